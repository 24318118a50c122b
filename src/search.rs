//! Full-text search over an organisation's answer library, with tantivy.
//!
//! The database is the record; each process keeps an index in memory per organisation and
//! rebuilds it when the library's fingerprint (entry count and latest change) moves, so every
//! replica suggests from the library as it is. Every wording of an entry (the canonical
//! question and its alternatives) is a document of its own; the entry's short answer and tags
//! are searched too, with less weight. Words are lower-cased, folded to ASCII, stripped of
//! English and questionnaire stop words ("do you", "please describe") and stemmed, so that
//! "trained on customer data" finds "train models using customers' data". Ranking is
//! tantivy's BM25; the best wording of each entry stands for it. Tantivy analyses and indexes
//! the library; the index then keeps, for every term, the wordings holding it with the score it
//! gives each (its three fields' summed), so a search only adds those scores up. The ranking is
//! that of tantivy's union of the question's terms.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::columnar::Column;
use tantivy::postings::TermInfo;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{doc, Index, Score, Searcher};

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

/// What the index needs of an entry, and `detail`: what its caller keeps of the entry with
/// the index, handed back with every match (read with the index, it is as current as it).
#[derive(Debug, Clone)]
pub struct IndexedEntry<D = ()> {
    pub id: String,
    pub question: String,
    pub alternatives: Vec<String>,
    pub answer_short: String,
    pub tags: Vec<String>,
    pub detail: D,
}

/// Identifies a state of the library: rebuilt when it moves.
pub type Fingerprint = (i64, Option<String>);

/// One entry found for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Match<'a, D> {
    pub entry_id: &'a str,
    /// The wording that matched best.
    pub phrasing: &'a str,
    pub answer_short: &'a str,
    pub detail: &'a D,
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

/// A term's postings over every wording, in wording order, with the score it gives each: the
/// boosted BM25 scores of the three fields summed. Worked out when the index is built, so a
/// search only adds; a question's term is then one list to read rather than three.
#[derive(Default)]
struct TermPostings {
    /// Wordings whose phrasing holds the term: what a term's rarity is counted among.
    phrasing_doc_freq: u64,
    wordings: Vec<u32>,
    scores: Vec<Score>,
}

/// A wording's score and place, ordered as tantivy's top-docs collector orders them: best
/// score first, then the earlier wording.
#[derive(Clone, Copy)]
struct Hit {
    score: Score,
    wording: u32,
}

fn best_first(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.wording.cmp(&b.wording))
}

/// The best of the wordings offered, kept in a buffer of twice `limit` that is cut back to the
/// best `limit` when full, which raises the score a later wording must beat.
struct Best {
    hits: Vec<Hit>,
    limit: usize,
    /// What a wording must score to be kept: one scoring the same ranks after those kept.
    floor: Score,
}

impl Best {
    fn new(limit: usize) -> Self {
        Self {
            hits: Vec::with_capacity(2 * limit),
            limit,
            floor: 0.0,
        }
    }

    fn offer(&mut self, score: Score, wording: u32) {
        if score > self.floor {
            self.hits.push(Hit { score, wording });
            if self.hits.len() == 2 * self.limit {
                self.cut();
                self.floor = self.hits[self.limit - 1].score;
            }
        }
    }

    /// Offers the wordings from `first` on with their `scores`.
    fn offer_all(&mut self, first: usize, scores: &[Score]) {
        for (i, &score) in scores.iter().enumerate() {
            self.offer(score, (first + i) as u32);
        }
    }

    fn cut(&mut self) {
        if self.hits.len() > self.limit {
            self.hits.select_nth_unstable_by(self.limit - 1, best_first);
            self.hits.truncate(self.limit);
        }
    }

    fn into_ranked(mut self) -> Vec<Hit> {
        self.cut();
        self.hits.sort_unstable_by(best_first);
        self.hits
    }
}

/// Wordings whose scores are compared with the best so far at once.
const SCAN_BLOCK: usize = 16;

thread_local! {
    /// A score a wording, all zero between searches: kept by each thread between questions.
    static SCORES: RefCell<Vec<Score>> = const { RefCell::new(Vec::new()) };
}

/// An entry as the index keeps it.
struct StoredEntry<D> {
    id: String,
    answer_short: String,
    detail: D,
}

/// An organisation's library, searchable.
pub struct LibraryIndex<D = ()> {
    fingerprint: Fingerprint,
    entries: Vec<StoredEntry<D>>,
    wordings: Vec<Wording>,
    postings: HashMap<String, TermPostings>,
    docs: u64,
    analyzer: Mutex<TextAnalyzer>,
    /// The tantivy index the postings were read from, against which tests check the ranking.
    #[cfg(test)]
    searcher: Searcher,
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

/// Adds one field's postings to `postings`, each with its BM25 score times `boost`, by the
/// wording's place (its `slot`); returns the field's document frequency of every term.
fn add_field_postings(
    searcher: &Searcher,
    field: Field,
    boost: Score,
    postings: &mut HashMap<String, Vec<(u32, Score)>>,
) -> tantivy::Result<HashMap<String, u64>> {
    let docs = searcher.num_docs();
    let average_fieldnorm = if docs == 0 {
        0.0
    } else {
        searcher.total_num_tokens(field)? as Score / docs as Score
    };
    let mut doc_freqs: HashMap<String, u64> = HashMap::new();
    let mut located: Vec<(String, usize, TermInfo)> = Vec::new();
    let mut segments = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let index = segment.inverted_index(field)?;
        let mut stream = index.terms().stream()?;
        while stream.advance() {
            let Ok(text) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let info = stream.value().clone();
            *doc_freqs.entry(text.to_owned()).or_default() += u64::from(info.doc_freq);
            located.push((text.to_owned(), ord, info));
        }
        let slots: Column<u64> = segment.fast_fields().u64("slot")?;
        segments.push((index, segment.get_fieldnorms_reader(field)?, slots));
    }
    for (text, ord, info) in located {
        let weight =
            Bm25Weight::for_one_term_without_explain(doc_freqs[&text], docs, average_fieldnorm);
        let (index, fieldnorms, slots) = &segments[ord];
        let list = postings.entry(text).or_default();
        let mut block =
            index.read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
        while !block.docs().is_empty() {
            for (&doc, &freq) in block.docs().iter().zip(block.freqs()) {
                let Some(slot) = slots.first(doc) else {
                    continue;
                };
                let score = weight.score(fieldnorms.fieldnorm_id(doc), freq) * boost;
                list.push((slot as u32, score));
            }
            block.advance();
        }
    }
    Ok(doc_freqs)
}

/// Every term's postings over the three fields, summed by wording.
fn term_postings(
    searcher: &Searcher,
    fields: [(Field, Score); 3],
) -> tantivy::Result<HashMap<String, TermPostings>> {
    let mut by_field: HashMap<String, Vec<(u32, Score)>> = HashMap::new();
    let mut phrasing_doc_freqs = HashMap::new();
    for (i, (field, boost)) in fields.into_iter().enumerate() {
        let doc_freqs = add_field_postings(searcher, field, boost, &mut by_field)?;
        if i == 0 {
            phrasing_doc_freqs = doc_freqs;
        }
    }
    Ok(by_field
        .into_iter()
        .map(|(text, mut list)| {
            // Stable, so that a wording's three scores are always summed in the fields' order.
            list.sort_by_key(|&(wording, _)| wording);
            let mut term = TermPostings {
                phrasing_doc_freq: phrasing_doc_freqs.get(&text).copied().unwrap_or(0),
                ..TermPostings::default()
            };
            for (wording, score) in list {
                if term.wordings.last() == Some(&wording) {
                    if let Some(last) = term.scores.last_mut() {
                        *last += score;
                    }
                } else {
                    term.wordings.push(wording);
                    term.scores.push(score);
                }
            }
            (text, term)
        })
        .collect())
}

impl<D> LibraryIndex<D> {
    pub fn build(fingerprint: Fingerprint, entries: Vec<IndexedEntry<D>>) -> tantivy::Result<Self> {
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
        writer.wait_merging_threads()?;
        let searcher = index.reader()?.searcher();
        let postings = term_postings(
            &searcher,
            [(phrasing, 1.0), (answer, ANSWER_BOOST), (tags, TAG_BOOST)],
        )?;
        let docs = searcher.num_docs();
        let mut analyzer = analyzer();
        for wording in &mut wordings {
            for term in terms_of(&mut analyzer, &wording.text) {
                let doc_freq = postings.get(&term).map_or(0, |t| t.phrasing_doc_freq);
                wording.terms.push((term, idf(doc_freq, docs)));
            }
        }
        Ok(Self {
            fingerprint,
            entries: entries
                .into_iter()
                .map(|e| StoredEntry {
                    id: e.id,
                    answer_short: e.answer_short,
                    detail: e.detail,
                })
                .collect(),
            wordings,
            postings,
            docs,
            analyzer: Mutex::new(analyzer),
            #[cfg(test)]
            searcher,
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
                let doc_freq = self.postings.get(&term).map_or(0, |t| t.phrasing_doc_freq);
                let weight = idf(doc_freq, self.docs);
                (term, weight)
            })
            .collect()
    }

    /// The `limit` best wordings by the sum of the question's terms' BM25 scores, best first,
    /// as tantivy's union of the terms ranks them. Every term's postings are added into a score
    /// a wording, then the wordings are read in order keeping the best: a question's terms are
    /// common enough (a term of the benchmark's questions is in up to a quarter of the
    /// wordings) that scoring them all costs less than working out which need not be.
    fn best_wordings(&self, terms: &[(String, f64)], limit: usize) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        SCORES.with(|scores| {
            let mut scores = scores.borrow_mut();
            scores.resize(self.wordings.len(), 0.0);
            // A slice, whose bounds stay in registers: through the `Vec` every addition
            // reloaded them.
            let scores = scores.as_mut_slice();
            for term in terms.iter().filter_map(|(text, _)| self.postings.get(text)) {
                for (&wording, &score) in term.wordings.iter().zip(&term.scores) {
                    scores[wording as usize] += score;
                }
            }
            let mut best = Best::new(limit);
            // Most wordings are below the best so far: a block of them is ruled out with one
            // comparison a score and no branch, which the compiler does several at a time.
            let mut blocks = scores.chunks_exact_mut(SCAN_BLOCK);
            for (block, scores) in (&mut blocks).enumerate() {
                let floor = best.floor;
                if scores
                    .iter()
                    .fold(false, |above, &score| above | (score > floor))
                {
                    best.offer_all(block * SCAN_BLOCK, scores);
                }
                scores.fill(0.0);
            }
            let rest = blocks.into_remainder();
            best.offer_all(self.wordings.len() - rest.len(), rest);
            rest.fill(0.0);
            best.into_ranked()
        })
    }

    /// The entries best fitting `question`, best first, at most `limit`.
    pub fn suggest(&self, question: &str, limit: usize) -> Vec<Match<'_, D>> {
        let terms = self.weighted_terms(question);
        if terms.is_empty() || self.wordings.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut seen: HashSet<usize> = HashSet::new();
        let mut found = Vec::new();
        for hit in self.best_wordings(&terms, CANDIDATES) {
            let wording = &self.wordings[hit.wording as usize];
            if !seen.insert(wording.entry) {
                continue;
            }
            let entry = &self.entries[wording.entry];
            found.push(Match {
                entry_id: &entry.id,
                phrasing: &wording.text,
                answer_short: &entry.answer_short,
                detail: &entry.detail,
                score: f64::from(hit.score),
                relevance: relevance(&terms, &wording.terms),
            });
            if found.len() == limit {
                break;
            }
        }
        found
    }
}

/// The indexes of every organisation this process has searched, each at the fingerprint it
/// was built from.
pub struct LibraryIndexes<D = ()> {
    by_org: Mutex<HashMap<String, Arc<LibraryIndex<D>>>>,
}

impl<D> Default for LibraryIndexes<D> {
    fn default() -> Self {
        Self {
            by_org: Mutex::default(),
        }
    }
}

impl<D> LibraryIndexes<D> {
    /// The organisation's index at `fingerprint`, built from `load` when the one held is older.
    /// Builds hold the lock, so that concurrent searches after a change build once.
    pub fn get<E>(
        &self,
        org: &str,
        fingerprint: Fingerprint,
        load: impl FnOnce() -> Result<Vec<IndexedEntry<D>>, E>,
    ) -> Result<Arc<LibraryIndex<D>>, E>
    where
        E: From<tantivy::TantivyError>,
    {
        let mut by_org = self.by_org.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = by_org.get(org).filter(|i| i.fingerprint == fingerprint) {
            return Ok(index.clone());
        }
        let index = Arc::new(LibraryIndex::build(fingerprint, load()?)?);
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
            detail: (),
        }
    }

    fn library() -> LibraryIndex {
        LibraryIndex::build(
            (3, None),
            vec![
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
        let found = index.suggest("Are customers' data ever used for training models?", 3);
        assert_eq!(found[0].entry_id, "training");
        assert!(found[0].relevance > 0.5, "{found:?}");
        let found = index.suggest("Is our content used to improve AI?", 3);
        assert_eq!(found[0].entry_id, "training");
        assert_eq!(
            found[0].phrasing,
            "Is customer content used to improve the AI?"
        );
    }

    #[test]
    fn each_entry_comes_once_and_nothing_matches_nothing() {
        let index = library();
        let found = index.suggest("customer models", 5);
        let ids: HashSet<&str> = found.iter().map(|m| m.entry_id).collect();
        assert_eq!(ids.len(), found.len());
        assert!(index.suggest("Do you? Please describe.", 5).is_empty());
        assert!(index.suggest("quantum cryptography", 5).is_empty());
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
                    detail: (),
                }
            })
            .collect()
    }

    /// What tantivy's exhaustive union of the same boosted term queries ranks first: each
    /// wording's score and place.
    fn exhaustive(index: &LibraryIndex, terms: &[(String, f64)]) -> Vec<(f32, u32)> {
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
            .map(|(score, address)| {
                let slots = index
                    .searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .u64("slot")
                    .unwrap();
                (score, slots.first(address.doc_id).unwrap() as u32)
            })
            .collect()
    }

    #[test]
    fn search_ranks_as_tantivys_union_does() {
        let index = LibraryIndex::build((1, None), combinations(1_500)).unwrap();
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
            let found = index.best_wordings(&terms, CANDIDATES);
            let expected = exhaustive(&index, &terms);
            assert_eq!(found.len(), expected.len(), "{question}");
            for (hit, (score, _)) in found.iter().zip(&expected) {
                assert!(
                    (hit.score - score).abs() < 1e-4,
                    "{question}: {} and {score}",
                    hit.score
                );
            }
            // Scores may differ in their last bits, so only wordings clear of the last
            // place's score need be the same ones.
            let last = expected.last().map_or(0.0, |e| e.0) + 1e-3;
            let clear = |hits: Vec<u32>| -> HashSet<u32> { hits.into_iter().collect() };
            assert_eq!(
                clear(
                    found
                        .iter()
                        .filter(|h| h.score > last)
                        .map(|h| h.wording)
                        .collect()
                ),
                clear(
                    expected
                        .iter()
                        .filter(|e| e.0 > last)
                        .map(|e| e.1)
                        .collect()
                ),
                "{question}"
            );
        }
    }
}
