//! The audit log's hash chain: each record's hash covers its content and the previous record's
//! hash, so changing or removing any record breaks every link after it.

use sha2::{Digest, Sha256};

/// `prev_hash` of an organisation's first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields a record's hash covers.
#[derive(Debug, Clone)]
pub struct ChainedRecord<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub seq: i64,
    pub occurred_at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before_state: Option<&'a str>,
    pub after_state: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub prev_hash: &'a str,
}

impl ChainedRecord<'_> {
    /// SHA-256 over a length-prefixed encoding of every field, so no two different records
    /// encode alike.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        let seq = self.seq.to_string();
        let fields: [Option<&str>; 13] = [
            Some(self.id),
            Some(self.org_id),
            Some(&seq),
            Some(self.occurred_at),
            Some(self.actor),
            Some(self.action),
            Some(self.entity_type),
            Some(self.entity_id),
            self.before_state,
            self.after_state,
            self.reason,
            self.request_id,
            Some(self.prev_hash),
        ];
        for field in fields {
            match field {
                None => hasher.update(b"-"),
                Some(value) => {
                    hasher.update(b"+");
                    hasher.update((value.len() as u64).to_be_bytes());
                    hasher.update(value.as_bytes());
                }
            }
        }
        hex::encode(hasher.finalize())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokenLink {
    /// The record's stored hash is not the hash of its content.
    HashMismatch,
    /// The record does not point at the previous record's hash.
    PrevHashMismatch,
    /// A sequence number is missing or repeated.
    SequenceGap { expected: i64 },
}

impl BrokenLink {
    pub fn describe(&self) -> String {
        match self {
            Self::HashMismatch => "the record's content does not match its hash".into(),
            Self::PrevHashMismatch => {
                "the record does not link to the previous record's hash".into()
            }
            Self::SequenceGap { expected } => format!("expected sequence number {expected}"),
        }
    }
}

/// Walks a chain in order. Feed records one by one; the first broken link is reported.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
    pub fn check(
        &mut self,
        record: &ChainedRecord<'_>,
        stored_hash: &str,
    ) -> Result<(), BrokenLink> {
        if record.seq != self.expected_seq {
            return Err(BrokenLink::SequenceGap {
                expected: self.expected_seq,
            });
        }
        if record.prev_hash != self.prev_hash {
            return Err(BrokenLink::PrevHashMismatch);
        }
        if record.hash() != stored_hash {
            return Err(BrokenLink::HashMismatch);
        }
        self.expected_seq += 1;
        self.prev_hash = stored_hash.to_owned();
        Ok(())
    }

    pub fn head_hash(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(seq: i64, prev: &'a str, after: Option<&'a str>) -> ChainedRecord<'a> {
        ChainedRecord {
            id: "id",
            org_id: "org",
            seq,
            occurred_at: "2026-01-01T00:00:00.000000Z",
            actor: "alice",
            action: "vendor.created",
            entity_type: "vendor",
            entity_id: "v1",
            before_state: None,
            after_state: after,
            reason: None,
            request_id: None,
            prev_hash: prev,
        }
    }

    #[test]
    fn a_valid_chain_verifies_and_a_tampered_one_does_not() {
        let first = record(1, GENESIS_HASH, Some("{}"));
        let first_hash = first.hash();
        let second = record(2, &first_hash, Some("{\"a\":1}"));
        let second_hash = second.hash();

        let mut verifier = ChainVerifier::default();
        verifier.check(&first, &first_hash).unwrap();
        verifier.check(&second, &second_hash).unwrap();
        assert_eq!(verifier.head_hash(), second_hash);

        let tampered = record(2, &first_hash, Some("{\"a\":2}"));
        let mut verifier = ChainVerifier::default();
        verifier.check(&first, &first_hash).unwrap();
        assert_eq!(
            verifier.check(&tampered, &second_hash),
            Err(BrokenLink::HashMismatch)
        );
    }

    #[test]
    fn null_and_empty_differ() {
        assert_ne!(
            record(1, GENESIS_HASH, None).hash(),
            record(1, GENESIS_HASH, Some("")).hash()
        );
    }
}
