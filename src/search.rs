//! Full-text search over an organisation's answer library, with tantivy.
//!
//! The database is the record; each process keeps an index in memory per organisation and
//! rebuilds it when the library's fingerprint (entry count and latest change) moves, so every
//! replica suggests from the library as it is. Every wording of an entry (the canonical
//! question and its alternatives) is a document of its own; the entry's short answer and tags
//! are searched too, with less weight. Words are lower-cased, folded to ASCII, stripped of
//! English and questionnaire stop words ("do you", "please describe") and stemmed, so that
//! "trained on customer data" finds "train models using customers' data". Ranking is
//! tantivy's BM25; the best wording of each entry stands for it. A search reads tantivy's
//! postings itself and stops scoring wordings once they can no longer reach the top
//! (max-score pruning): questions share common words with thousands of wordings, and an
//! exhaustive union scored them all. The ranking is the union's.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::TermInfo;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{doc, DocId, Index, InvertedIndexReader, Score, Searcher};

const ANALYZER: &str = "annexa_en";
/// Wordings looked at per question before they are grouped by entry.
const CANDIDATES: usize = 60;
const ANSWER_BOOST: f32 = 0.25;
const TAG_BOOST: f32 = 0.5;
/// Indexing memory; tantivy's floor for one thread.
const WRITER_BYTES: usize = 15_000_000;

/// Words that every questionnaire uses and that say nothing of what is asked.
const QUESTIONNAIRE_STOP_WORDS: &[&str] = &[
    "do",
    "does",
    "did",
    "you",
    "your",
    "yours",
    "we",
    "our",
    "ours",
    "us",
    "i",
    "me",
    "my",
    "how",
    "what",
    "which",
    "who",
    "whom",
    "when",
    "where",
    "why",
    "whether",
    "please",
    "describe",
    "explain",
    "provide",
    "detail",
    "details",
    "can",
    "could",
    "would",
    "should",
    "has",
    "have",
    "any",
    "all",
    "company",
    "organisation",
    "organization",
    "vendor",
    "supplier",
    "service",
    "services",
    "yes",
    "ensure",
    "ensures",
];

/// English stop words (those of Lucene's English analyser) and questionnaire boilerplate.
fn stop_words() -> Vec<String> {
    const ENGLISH: &[&str] = &[
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
        "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
        "these", "they", "this", "to", "was", "will", "with", "its", "from", "been", "being",
        "were", "so", "than", "any", "each", "other", "about", "them", "those", "up",
    ];
    ENGLISH
        .iter()
        .chain(QUESTIONNAIRE_STOP_WORDS)
        .map(|w| (*w).to_owned())
        .collect()
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop_words()))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// What the index needs of an entry.
#[derive(Debug, Clone)]
pub struct IndexedEntry {
    pub id: String,
    pub question: String,
    pub alternatives: Vec<String>,
    pub answer_short: String,
    pub tags: Vec<String>,
}

/// Identifies a state of the library: rebuilt when it moves.
pub type Fingerprint = (i64, Option<String>);

/// One entry found for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub entry_id: String,
    pub phrasing: String,
    /// BM25 score of the best wording.
    pub score: f64,
    /// From 0 to 1, see [`relevance`].
    pub relevance: f64,
}

struct Wording {
    entry: usize,
    text: String,
    /// Its distinct analysed terms with their inverse document frequency.
    terms: Vec<(String, f64)>,
}

/// A term as one field holds it.
struct FieldTerm {
    doc_freq: u64,
    /// The most the term adds to any wording's score, before the field's boost.
    upper: Score,
    /// Where its postings are, by segment.
    postings: Vec<Option<TermInfo>>,
}

/// A searched field: its terms, its boost and its BM25 statistics.
struct SearchedField {
    boost: Score,
    average_fieldnorm: Score,
    terms: HashMap<String, FieldTerm>,
    /// By segment.
    inverted: Vec<Arc<InvertedIndexReader>>,
    fieldnorms: Vec<FieldNormReader>,
}

/// Fieldnorm ids below this (fields of up to about forty words) have a clause's score for a
/// term met once worked out in advance: most postings are that.
const TABLED_NORMS: usize = 48;

/// One term of a question in one field.
struct Clause<'a> {
    field: &'a SearchedField,
    term: &'a FieldTerm,
    weight: Bm25Weight,
    /// The most it adds to a wording's score, boost included.
    upper: Score,
    /// Its score for a term met once, by fieldnorm id.
    once: [Score; TABLED_NORMS],
}

impl<'a> Clause<'a> {
    fn new(field: &'a SearchedField, term: &'a FieldTerm, docs: u64) -> Self {
        let weight =
            Bm25Weight::for_one_term_without_explain(term.doc_freq, docs, field.average_fieldnorm);
        let mut once = [0.0; TABLED_NORMS];
        for (norm, score) in once.iter_mut().enumerate() {
            *score = weight.score(norm as u8, 1) * field.boost;
        }
        Self {
            field,
            term,
            weight,
            upper: term.upper * field.boost,
            once,
        }
    }

    /// The same score tantivy's boosted term query gives the posting.
    #[inline]
    fn score(&self, segment: usize, doc: DocId, term_freq: u32) -> Score {
        let norm = self.field.fieldnorms[segment].fieldnorm_id(doc);
        match self.once.get(usize::from(norm)) {
            Some(&score) if term_freq == 1 => score,
            _ => self.weight.score(norm, term_freq) * self.field.boost,
        }
    }
}

/// A wording's score and address, ordered as tantivy's top-docs collector orders them: best
/// score first, then the lower address.
#[derive(Clone, Copy)]
struct Hit {
    score: Score,
    segment: usize,
    doc: DocId,
}

fn best_first(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then(a.segment.cmp(&b.segment))
        .then(a.doc.cmp(&b.doc))
}

/// Per-thread buffers of a segment's search, kept between questions: the partial score of
/// every wording (all zero between searches) and the wordings that have one.
#[derive(Default)]
struct Scratch {
    partial: Vec<Score>,
    touched: Vec<DocId>,
    scores: Vec<Score>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Candidates are sought in a clause's postings while they are fewer than one in this many
/// postings; denser, the postings are read through.
const SEEK_RATIO: usize = 8;
/// Once closed, the scored wordings are pruned again when the bound has fallen below this
/// share of where they were last pruned.
const PRUNE_AGAIN: f64 = 0.5;
/// Slack on the bounds that prune, against rounding in the order scores are added.
const BOUND_SLACK: f64 = 1.0 + 1e-4;

/// An organisation's library, searchable.
pub struct LibraryIndex {
    fingerprint: Fingerprint,
    entry_ids: Vec<String>,
    wordings: Vec<Wording>,
    searcher: Searcher,
    slots: Vec<Column<u64>>,
    fields: [SearchedField; 3],
    docs: u64,
    analyzer: Mutex<TextAnalyzer>,
}

fn terms_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        let term = stream.token().text.clone();
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

/// BM25's inverse document frequency.
fn idf(doc_freq: u64, docs: u64) -> f64 {
    let (n, df) = (docs as f64, doc_freq as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// How well a wording fits a question, from 0 to 1: the mean of the share of the question's
/// weight the wording covers and the share of the wording's weight the question asks, every
/// term weighted by its rarity. BM25 scores rank but do not compare across questions; this
/// does, and sets the confidence band.
pub fn relevance(question: &[(String, f64)], wording: &[(String, f64)]) -> f64 {
    let total_q: f64 = question.iter().map(|(_, w)| w).sum();
    let total_w: f64 = wording.iter().map(|(_, w)| w).sum();
    if total_q <= 0.0 || total_w <= 0.0 {
        return 0.0;
    }
    // A few distinct terms a side: comparing them all is cheaper than hashing them.
    let shared_weight = |of: &[(String, f64)], with: &[(String, f64)]| -> f64 {
        of.iter()
            .filter(|(t, _)| with.iter().any(|(u, _)| u == t))
            .map(|(_, w)| w)
            .sum()
    };
    let common_q = shared_weight(question, wording);
    let common_w = shared_weight(wording, question);
    let shared = (common_q / total_q + common_w / total_w) / 2.0;
    if shared > 0.0 {
        shared.min(1.0)
    } else {
        0.0
    }
}

impl SearchedField {
    /// Reads the field's term dictionaries and, for each term, the best score any wording
    /// takes from it, which is what lets a search skip wordings that cannot make the cut.
    fn read(searcher: &Searcher, field: Field, boost: Score) -> tantivy::Result<Self> {
        let docs = searcher.num_docs();
        let average_fieldnorm = if docs == 0 {
            0.0
        } else {
            searcher.total_num_tokens(field)? as Score / docs as Score
        };
        let segments = searcher.segment_readers();
        let mut inverted = Vec::with_capacity(segments.len());
        let mut fieldnorms = Vec::with_capacity(segments.len());
        let mut terms: HashMap<String, FieldTerm> = HashMap::new();
        for (ord, segment) in segments.iter().enumerate() {
            let index = segment.inverted_index(field)?;
            let mut stream = index.terms().stream()?;
            while stream.advance() {
                let Ok(text) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let info = stream.value().clone();
                let term = terms.entry(text.to_owned()).or_insert_with(|| FieldTerm {
                    doc_freq: 0,
                    upper: 0.0,
                    postings: vec![None; segments.len()],
                });
                term.doc_freq += u64::from(info.doc_freq);
                term.postings[ord] = Some(info);
            }
            inverted.push(index);
            fieldnorms.push(segment.get_fieldnorms_reader(field)?);
        }
        for term in terms.values_mut() {
            let weight =
                Bm25Weight::for_one_term_without_explain(term.doc_freq, docs, average_fieldnorm);
            for (ord, info) in term.postings.iter().enumerate() {
                let Some(info) = info else { continue };
                let mut postings = inverted[ord]
                    .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                while !postings.docs().is_empty() {
                    for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
                        let score = weight.score(fieldnorms[ord].fieldnorm_id(doc), freq);
                        term.upper = term.upper.max(score);
                    }
                    postings.advance();
                }
            }
        }
        Ok(Self {
            boost,
            average_fieldnorm,
            terms,
            inverted,
            fieldnorms,
        })
    }
}

impl LibraryIndex {
    pub fn build(fingerprint: Fingerprint, entries: &[IndexedEntry]) -> tantivy::Result<Self> {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs);
        let text = TextOptions::default().set_indexing_options(indexing);
        let mut schema = Schema::builder();
        let phrasing = schema.add_text_field("phrasing", text.clone());
        let answer = schema.add_text_field("answer", text.clone());
        let tags = schema.add_text_field("tags", text);
        let slot = schema.add_u64_field("slot", FAST | STORED);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let mut writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let mut wordings = Vec::new();
        for (e, entry) in entries.iter().enumerate() {
            let tag_text = entry.tags.join(" ");
            for wording in std::iter::once(&entry.question).chain(&entry.alternatives) {
                writer.add_document(doc!(
                    phrasing => wording.as_str(),
                    answer => entry.answer_short.as_str(),
                    tags => tag_text.as_str(),
                    slot => wordings.len() as u64,
                ))?;
                wordings.push(Wording {
                    entry: e,
                    text: wording.clone(),
                    terms: Vec::new(),
                });
            }
        }
        writer.commit()?;
        // One segment: a search then prunes over all wordings at once.
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        let searcher = index.reader()?.searcher();
        let fields = [
            SearchedField::read(&searcher, phrasing, 1.0)?,
            SearchedField::read(&searcher, answer, ANSWER_BOOST)?,
            SearchedField::read(&searcher, tags, TAG_BOOST)?,
        ];
        let docs = searcher.num_docs();
        let mut analyzer = analyzer();
        for wording in &mut wordings {
            for term in terms_of(&mut analyzer, &wording.text) {
                let doc_freq = fields[0].terms.get(&term).map_or(0, |t| t.doc_freq);
                wording.terms.push((term, idf(doc_freq, docs)));
            }
        }
        let slots = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().u64("slot"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Self {
            fingerprint,
            entry_ids: entries.iter().map(|e| e.id.clone()).collect(),
            wordings,
            searcher,
            slots,
            fields,
            docs,
            analyzer: Mutex::new(analyzer),
        })
    }

    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The question's analysed terms with their inverse document frequency among wordings.
    fn weighted_terms(&self, question: &str) -> Vec<(String, f64)> {
        let terms = {
            let mut analyzer = self.analyzer.lock().unwrap_or_else(|p| p.into_inner());
            terms_of(&mut analyzer, question)
        };
        terms
            .into_iter()
            .map(|term| {
                let doc_freq = self.fields[0].terms.get(&term).map_or(0, |t| t.doc_freq);
                let weight = idf(doc_freq, self.docs);
                (term, weight)
            })
            .collect()
    }

    /// Every (term, field) pair of the question that some wording holds, the ones that can add
    /// most first.
    fn clauses(&self, terms: &[(String, f64)]) -> Vec<Clause<'_>> {
        let mut clauses = Vec::new();
        for (text, _) in terms {
            for field in &self.fields {
                let Some(term) = field.terms.get(text) else {
                    continue;
                };
                clauses.push(Clause::new(field, term, self.docs));
            }
        }
        clauses.sort_by(|a, b| b.upper.total_cmp(&a.upper));
        clauses
    }

    /// The segment's `limit` best wordings by the sum of the clauses' BM25 scores, exactly as an
    /// exhaustive union of the clauses would rank them (max-score pruning). Clauses are added
    /// one at a time, those that can add most first. Once the most the clauses still to come
    /// can add is below the `limit`-th best partial score (the cut), no wording without a score
    /// yet can make it, so the rest only add to the wordings already scored, and those that can
    /// no longer reach the cut are dropped as it rises.
    fn search_segment(
        &self,
        segment: usize,
        clauses: &[Clause<'_>],
        limit: usize,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
    ) -> tantivy::Result<()> {
        let max_doc = self.searcher.segment_reader(segment as u32).max_doc() as usize;
        if scratch.partial.len() < max_doc {
            scratch.partial.resize(max_doc, 0.0);
        }
        let Scratch {
            partial,
            touched,
            scores,
        } = scratch;
        touched.clear();
        let mut still_to_come: f64 = clauses.iter().map(|c| f64::from(c.upper)).sum();
        let mut best: Score = 0.0;
        let mut open = true;
        let mut sorted = false;
        let mut pruned_at = f64::INFINITY;
        let result = (|| -> tantivy::Result<()> {
            for clause in clauses {
                let bound = still_to_come * BOUND_SLACK;
                still_to_come -= f64::from(clause.upper);
                // Looking for the cut costs a pass over the scored wordings. While open, the cut
                // cannot pass the bound before the best partial score does; once closed, pruning
                // again pays only when the bound has fallen well below where it last pruned.
                let worth_looking = if open {
                    bound < f64::from(best)
                } else {
                    touched.len() > limit && bound < pruned_at * PRUNE_AGAIN
                };
                if worth_looking {
                    if let Some(cut) = cut_above(partial, touched, scores, limit, bound) {
                        touched.retain(|&doc| {
                            let keep = f64::from(partial[doc as usize]) + bound >= f64::from(cut);
                            if !keep {
                                partial[doc as usize] = 0.0;
                            }
                            keep
                        });
                        open = false;
                        pruned_at = bound;
                    }
                }
                let Some(info) = &clause.term.postings[segment] else {
                    continue;
                };
                let mut postings = clause.field.inverted[segment]
                    .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                if open {
                    while !postings.docs().is_empty() {
                        for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
                            let score = clause.score(segment, doc, freq);
                            let slot = &mut partial[doc as usize];
                            if *slot == 0.0 {
                                touched.push(doc);
                            }
                            *slot += score;
                            best = best.max(*slot);
                        }
                        postings.advance();
                    }
                } else if touched.len() * SEEK_RATIO < info.doc_freq as usize {
                    if !sorted {
                        touched.sort_unstable();
                        sorted = true;
                    }
                    for &doc in touched.iter() {
                        let at = postings.seek(doc);
                        if postings.docs().get(at) == Some(&doc) {
                            let score = clause.score(segment, doc, postings.freqs()[at]);
                            partial[doc as usize] += score;
                        }
                    }
                } else {
                    while !postings.docs().is_empty() {
                        for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
                            // Without a branch: whether a wording is still in is unpredictable.
                            let slot = &mut partial[doc as usize];
                            let score = clause.score(segment, doc, freq);
                            *slot += if *slot > 0.0 { score } else { 0.0 };
                        }
                        postings.advance();
                    }
                }
            }
            Ok(())
        })();
        let start = hits.len();
        for &doc in touched.iter() {
            hits.push(Hit {
                score: partial[doc as usize],
                segment,
                doc,
            });
            partial[doc as usize] = 0.0;
        }
        result?;
        let found = &mut hits[start..];
        if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, best_first);
            hits.truncate(start + limit);
        }
        Ok(())
    }

    /// The `limit` wordings with the best BM25 score for the terms, best first.
    fn best_wordings(&self, terms: &[(String, f64)], limit: usize) -> tantivy::Result<Vec<Hit>> {
        let clauses = self.clauses(terms);
        let mut hits = Vec::new();
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            (0..self.searcher.segment_readers().len()).try_for_each(|segment| {
                self.search_segment(segment, &clauses, limit, &mut scratch, &mut hits)
            })
        })?;
        hits.sort_unstable_by(best_first);
        hits.truncate(limit);
        Ok(hits)
    }

    /// The entries best fitting `question`, best first, at most `limit`.
    pub fn suggest(&self, question: &str, limit: usize) -> tantivy::Result<Vec<Match>> {
        let terms = self.weighted_terms(question);
        if terms.is_empty() || self.wordings.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let hits = self.best_wordings(&terms, CANDIDATES)?;
        let mut seen: HashSet<usize> = HashSet::new();
        let mut found = Vec::new();
        for hit in hits {
            let Some(slot) = self
                .slots
                .get(hit.segment)
                .and_then(|column| column.first(hit.doc))
            else {
                continue;
            };
            let wording = &self.wordings[slot as usize];
            if !seen.insert(wording.entry) {
                continue;
            }
            found.push(Match {
                entry_id: self.entry_ids[wording.entry].clone(),
                phrasing: wording.text.clone(),
                score: f64::from(hit.score),
                relevance: relevance(&terms, &wording.terms),
            });
            if found.len() == limit {
                break;
            }
        }
        Ok(found)
    }
}

/// The `k`-th best partial score among the touched wordings, if it is above `bound`.
fn cut_above(
    partial: &[Score],
    touched: &[DocId],
    scores: &mut Vec<Score>,
    k: usize,
    bound: f64,
) -> Option<Score> {
    scores.clear();
    scores.extend(
        touched
            .iter()
            .map(|&doc| partial[doc as usize])
            .filter(|&score| f64::from(score) > bound),
    );
    if scores.len() < k {
        return None;
    }
    let (_, kth, _) = scores.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    Some(*kth)
}

/// The indexes of every organisation this process has searched, each at the fingerprint it
/// was built from.
#[derive(Default)]
pub struct LibraryIndexes {
    by_org: Mutex<HashMap<String, Arc<LibraryIndex>>>,
}

impl LibraryIndexes {
    /// The organisation's index at `fingerprint`, built from `load` when the one held is older.
    /// Builds hold the lock, so that concurrent searches after a change build once.
    pub fn get<E>(
        &self,
        org: &str,
        fingerprint: Fingerprint,
        load: impl FnOnce() -> Result<Vec<IndexedEntry>, E>,
    ) -> Result<Arc<LibraryIndex>, E>
    where
        E: From<tantivy::TantivyError>,
    {
        let mut by_org = self.by_org.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = by_org.get(org).filter(|i| i.fingerprint == fingerprint) {
            return Ok(index.clone());
        }
        let index = Arc::new(LibraryIndex::build(fingerprint, &load()?)?);
        by_org.insert(org.to_owned(), index.clone());
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, question: &str, alternatives: &[&str]) -> IndexedEntry {
        IndexedEntry {
            id: id.into(),
            question: question.into(),
            alternatives: alternatives.iter().map(|a| (*a).to_owned()).collect(),
            answer_short: String::new(),
            tags: vec![],
        }
    }

    fn library() -> LibraryIndex {
        LibraryIndex::build(
            (3, None),
            &[
                entry(
                    "training",
                    "Do you train your models on customer data?",
                    &["Is customer content used to improve the AI?"],
                ),
                entry(
                    "incidents",
                    "How do you report AI incidents to customers?",
                    &[],
                ),
                entry("bias", "How do you test models for bias and fairness?", &[]),
            ],
        )
        .unwrap()
    }

    #[test]
    fn stemming_and_stop_words_find_other_wordings() {
        let index = library();
        let found = index
            .suggest("Are customers' data ever used for training models?", 3)
            .unwrap();
        assert_eq!(found[0].entry_id, "training");
        assert!(found[0].relevance > 0.5, "{found:?}");
        let found = index
            .suggest("Is our content used to improve AI?", 3)
            .unwrap();
        assert_eq!(found[0].entry_id, "training");
        assert_eq!(
            found[0].phrasing,
            "Is customer content used to improve the AI?"
        );
    }

    #[test]
    fn each_entry_comes_once_and_nothing_matches_nothing() {
        let index = library();
        let found = index.suggest("customer models", 5).unwrap();
        let ids: HashSet<&str> = found.iter().map(|m| m.entry_id.as_str()).collect();
        assert_eq!(ids.len(), found.len());
        assert!(index
            .suggest("Do you? Please describe.", 5)
            .unwrap()
            .is_empty());
        assert!(index.suggest("quantum cryptography", 5).unwrap().is_empty());
    }

    #[test]
    fn relevance_is_one_for_the_same_words_and_zero_for_none() {
        let a = [("train".to_owned(), 2.0), ("data".to_owned(), 1.0)];
        let b = [("bias".to_owned(), 2.0)];
        assert!((relevance(&a, &a) - 1.0).abs() < 1e-9);
        assert_eq!(relevance(&a, &b), 0.0);
    }

    #[test]
    fn indexes_are_rebuilt_only_when_the_fingerprint_moves() {
        let indexes = LibraryIndexes::default();
        let mut loads = 0;
        for fingerprint in [(1, None), (1, None), (2, Some("t".to_owned()))] {
            indexes
                .get::<tantivy::TantivyError>("org", fingerprint, || {
                    loads += 1;
                    Ok(vec![entry("e", "Who owns AI risk?", &[])])
                })
                .unwrap();
        }
        assert_eq!(loads, 2);
    }

    /// A library built like the suggestion benchmark's: many entries sharing a few words.
    fn combinations(count: usize) -> Vec<IndexedEntry> {
        let subjects = [
            "customer data",
            "prompts",
            "model outputs",
            "training datasets",
            "personal data",
            "audit logs",
            "model weights",
            "health records",
        ];
        let actions = [
            "encrypt",
            "retain",
            "delete",
            "share with subprocessors",
            "monitor",
            "review",
            "label",
            "test for bias in",
        ];
        let contexts = [
            "in the chat assistant",
            "in fraud scoring",
            "in the hiring module",
            "in customer support automation",
            "in code generation",
            "in the voice assistant",
        ];
        (0..count)
            .map(|n| {
                let (s, a, c) = (subjects[n % 8], actions[(n / 8) % 8], contexts[(n * 7) % 6]);
                IndexedEntry {
                    id: n.to_string(),
                    question: format!("How do you {a} {s} {c}? (variant {n})"),
                    alternatives: vec![format!("What is your approach to {a} {s} {c}?")],
                    answer_short: format!("We {a} {s} {c} under policy P-{n}."),
                    tags: vec![s.split(' ').next().unwrap_or(s).to_owned()],
                }
            })
            .collect()
    }

    /// What tantivy's exhaustive union of the same boosted term queries ranks first.
    fn exhaustive(index: &LibraryIndex, terms: &[(String, f64)]) -> Vec<(f32, u32, u32)> {
        use tantivy::collector::TopDocs;
        use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
        use tantivy::Term;
        let schema = index.searcher.schema();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, _) in terms {
            for (name, boost) in [
                ("phrasing", 1.0),
                ("answer", ANSWER_BOOST),
                ("tags", TAG_BOOST),
            ] {
                let field = schema.get_field(name).unwrap();
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)),
                ));
            }
        }
        index
            .searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(CANDIDATES).order_by_score(),
            )
            .unwrap()
            .into_iter()
            .map(|(score, address)| (score, address.segment_ord, address.doc_id))
            .collect()
    }

    #[test]
    fn pruned_search_ranks_as_the_exhaustive_union_does() {
        let index = LibraryIndex::build((1, None), &combinations(1_500)).unwrap();
        let questions = [
            "Please describe how you encrypt customer data in the chat assistant.",
            "Do you monitor model outputs in fraud scoring?",
            "How is personal data deleted in the hiring module?",
            "Are training datasets labelled and reviewed?",
            "Do you test for bias?",
            "data",
            "policy for health records retention in code generation",
        ];
        for question in questions {
            let terms = index.weighted_terms(question);
            let pruned = index.best_wordings(&terms, CANDIDATES).unwrap();
            let expected = exhaustive(&index, &terms);
            assert_eq!(pruned.len(), expected.len(), "{question}");
            for (hit, (score, _, _)) in pruned.iter().zip(&expected) {
                assert!(
                    (hit.score - score).abs() < 1e-4,
                    "{question}: {} and {score}",
                    hit.score
                );
            }
            // Scores may differ in their last bits, so only wordings clear of the last
            // place's score need be the same ones.
            let last = expected.last().map_or(0.0, |e| e.0) + 1e-3;
            let clear =
                |hits: Vec<(u32, u32)>| -> HashSet<(u32, u32)> { hits.into_iter().collect() };
            assert_eq!(
                clear(
                    pruned
                        .iter()
                        .filter(|h| h.score > last)
                        .map(|h| (h.segment as u32, h.doc))
                        .collect()
                ),
                clear(
                    expected
                        .iter()
                        .filter(|e| e.0 > last)
                        .map(|e| (e.1, e.2))
                        .collect()
                ),
                "{question}"
            );
        }
    }
}
