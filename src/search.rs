//! Full-text search over an organisation's answer library, with tantivy.
//!
//! The database is the record; each process keeps an index in memory per organisation and
//! rebuilds it when the library's fingerprint (entry count and latest change) moves, so every
//! replica suggests from the library as it is. Every wording of an entry (the canonical
//! question and its alternatives) is a document of its own; the entry's short answer and tags
//! are searched too, with less weight. Words are lower-cased, folded to ASCII, stripped of
//! English and questionnaire stop words ("do you", "please describe") and stemmed, so that
//! "trained on customer data" finds "train models using customers' data". Ranking is
//! tantivy's BM25; the best wording of each entry stands for it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{doc, Index, IndexReader, Searcher, Term};

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
    terms: HashMap<String, f64>,
}

/// An organisation's library, searchable.
pub struct LibraryIndex {
    fingerprint: Fingerprint,
    entry_ids: Vec<String>,
    wordings: Vec<Wording>,
    reader: IndexReader,
    slots: Vec<Column<u64>>,
    phrasing: Field,
    answer: Field,
    tags: Field,
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
pub fn relevance(question: &HashMap<String, f64>, wording: &HashMap<String, f64>) -> f64 {
    let total_q: f64 = question.values().sum();
    let total_w: f64 = wording.values().sum();
    if total_q <= 0.0 || total_w <= 0.0 {
        return 0.0;
    }
    let common_q: f64 = question
        .iter()
        .filter(|(t, _)| wording.contains_key(*t))
        .map(|(_, w)| w)
        .sum();
    let common_w: f64 = wording
        .iter()
        .filter(|(t, _)| question.contains_key(*t))
        .map(|(_, w)| w)
        .sum();
    let shared = (common_q / total_q + common_w / total_w) / 2.0;
    if shared > 0.0 {
        shared.min(1.0)
    } else {
        0.0
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
                    terms: HashMap::new(),
                });
            }
        }
        writer.commit()?;
        let reader = index.reader()?;
        let searcher = reader.searcher();
        let mut analyzer = analyzer();
        let docs = searcher.num_docs();
        let mut idfs: HashMap<String, f64> = HashMap::new();
        for wording in &mut wordings {
            for term in terms_of(&mut analyzer, &wording.text) {
                let weight = match idfs.get(&term) {
                    Some(w) => *w,
                    None => {
                        let df = searcher.doc_freq(&Term::from_field_text(phrasing, &term))?;
                        let w = idf(df, docs);
                        idfs.insert(term.clone(), w);
                        w
                    }
                };
                wording.terms.insert(term, weight);
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
            reader,
            slots,
            phrasing,
            answer,
            tags,
            analyzer: Mutex::new(analyzer),
        })
    }

    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    fn weighted_terms(&self, searcher: &Searcher, question: &str) -> Vec<(String, f64)> {
        let terms = {
            let mut analyzer = self.analyzer.lock().unwrap_or_else(|p| p.into_inner());
            terms_of(&mut analyzer, question)
        };
        let docs = searcher.num_docs();
        terms
            .into_iter()
            .map(|term| {
                let df = searcher
                    .doc_freq(&Term::from_field_text(self.phrasing, &term))
                    .unwrap_or(0);
                let weight = idf(df, docs);
                (term, weight)
            })
            .collect()
    }

    /// The entries best fitting `question`, best first, at most `limit`.
    pub fn suggest(&self, question: &str, limit: usize) -> tantivy::Result<Vec<Match>> {
        let searcher = self.reader.searcher();
        let terms = self.weighted_terms(&searcher, question);
        if terms.is_empty() || self.wordings.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, _) in &terms {
            for (field, boost) in [
                (self.phrasing, 1.0),
                (self.answer, ANSWER_BOOST),
                (self.tags, TAG_BOOST),
            ] {
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
        let query = BooleanQuery::new(clauses);
        // A tweaked score makes tantivy score the union of the terms exhaustively instead of by
        // block-WAND. Questions share common words with thousands of wordings, so WAND's pruning
        // never paid for its bookkeeping: a 300-question suggestion took half the time without it.
        let hits = searcher.search(
            &query,
            &TopDocs::with_limit(CANDIDATES).tweak_score(|_: &tantivy::SegmentReader| {
                |_: tantivy::DocId, score: tantivy::Score| score
            }),
        )?;
        let question_terms: HashMap<String, f64> = terms.into_iter().collect();
        let mut seen: HashSet<usize> = HashSet::new();
        let mut found = Vec::new();
        for (score, address) in hits {
            let Some(slot) = self
                .slots
                .get(address.segment_ord as usize)
                .and_then(|column| column.first(address.doc_id))
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
                score: f64::from(score),
                relevance: relevance(&question_terms, &wording.terms),
            });
            if found.len() == limit {
                break;
            }
        }
        Ok(found)
    }
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
        let a: HashMap<String, f64> = [("train".to_owned(), 2.0), ("data".to_owned(), 1.0)].into();
        let b: HashMap<String, f64> = [("bias".to_owned(), 2.0)].into();
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
}
