//! Evidence files attached to an assessment: checked, hashed, stored, and handed back.

use sha2::{Digest, Sha256};

use super::assessments::{check_link, load_row, status_of};
use super::journal::{self, Change};
use super::{read, write, ServiceError};
use crate::auth::LinkScope;
use crate::db::evidence::EvidenceRow;
use crate::db::{self, DbConn, Pool};
use crate::domain::assessment::AssessmentStatus;
use crate::domain::evidence::{classify, sanitise_file_name, EvidenceFile};
use crate::domain::time;
use crate::domain::Actor;
use crate::storage::EvidenceStore;

/// Files one assessment may hold.
pub const MAX_FILES_PER_ASSESSMENT: i64 = 200;

fn to_file(row: EvidenceRow) -> EvidenceFile {
    EvidenceFile {
        id: row.id,
        assessment_id: row.assessment_id,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_by: row.uploaded_by,
        created_at: row.created_at,
    }
}

/// An upload as it arrived.
pub struct Upload {
    pub file_name: String,
    pub declared_type: Option<String>,
    pub content: Vec<u8>,
}

/// An upload that passed the checks: a usable name, a content type that matches its bytes.
pub(super) struct CheckedUpload {
    pub file_name: String,
    pub media_type: &'static str,
    pub size_bytes: i64,
    pub sha256: String,
}

pub(super) fn check_upload(upload: &Upload) -> Result<CheckedUpload, ServiceError> {
    let file_name = sanitise_file_name(&upload.file_name)
        .ok_or_else(|| ServiceError::field("filename", "invalid", "is not a usable file name"))?;
    let document = classify(&file_name, upload.declared_type.as_deref(), &upload.content)
        .map_err(ServiceError::Validation)?;
    let size_bytes = i64::try_from(upload.content.len())
        .map_err(|_| ServiceError::Internal("file size out of range".into()))?;
    Ok(CheckedUpload {
        file_name,
        media_type: document.media_type,
        size_bytes,
        sha256: hex::encode(Sha256::digest(&upload.content)),
    })
}

/// A stored file's bytes, refused if they no longer match the SHA-256 recorded at upload.
pub(super) fn read_checked(
    store: &EvidenceStore,
    id: &str,
    sha256: &str,
) -> Result<Vec<u8>, ServiceError> {
    let content = store.get(id)?;
    if hex::encode(Sha256::digest(&content)) != sha256 {
        return Err(ServiceError::Internal(format!(
            "stored file {id} no longer matches its SHA-256"
        )));
    }
    Ok(content)
}

/// Stores an upload for the vendor (through a live link, while it may answer) or for staff
/// (until the assessment is completed). The row is committed only once the file is on disk;
/// a file whose row did not commit is removed.
pub fn upload(
    pool: &Pool,
    store: &EvidenceStore,
    actor: &Actor,
    link: Option<&LinkScope>,
    assessment_id: &str,
    upload: Upload,
) -> Result<EvidenceFile, ServiceError> {
    let checked = check_upload(&upload)?;
    let row = EvidenceRow {
        id: db::new_id(),
        org_id: actor.org.clone(),
        assessment_id: assessment_id.to_owned(),
        file_name: checked.file_name,
        content_type: checked.media_type.to_owned(),
        size_bytes: checked.size_bytes,
        sha256: checked.sha256,
        uploaded_by: actor.subject.clone(),
        created_at: time::now(),
    };
    let content = upload.content.as_slice();
    store_with_row(pool, store, &row.id.clone(), content, |conn| {
        if let Some(link) = link {
            check_link(conn, &actor.org, link)?;
        }
        let assessment = load_row(conn, &actor.org, assessment_id)?;
        let status = status_of(&assessment)?;
        let open = match link {
            Some(_) => status.vendor_may_answer(),
            None => status != AssessmentStatus::Completed,
        };
        if !open {
            return Err(ServiceError::Conflict(format!(
                "the assessment is {}; evidence can no longer be added",
                assessment.status
            )));
        }
        if db::evidence::count(conn, assessment_id)? >= MAX_FILES_PER_ASSESSMENT {
            return Err(ServiceError::Conflict(format!(
                "an assessment holds at most {MAX_FILES_PER_ASSESSMENT} evidence files"
            )));
        }
        db::evidence::insert(conn, &row)?;
        let file = to_file(row.clone());
        journal::audit(
            conn,
            actor,
            Change {
                action: "assessment.evidence_uploaded",
                entity_type: "assessment",
                entity_id: assessment_id,
                before: None,
                after: journal::snapshot(&file)?,
                reason: None,
            },
        )?;
        Ok(file)
    })
}

/// Runs `record` (which writes the file's row) and puts the file on disk in the same
/// transaction: the row commits only once the bytes are durable, and a file whose row did not
/// commit is removed.
pub(super) fn store_with_row<T>(
    pool: &Pool,
    store: &EvidenceStore,
    id: &str,
    content: &[u8],
    mut record: impl FnMut(&mut DbConn) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let stored = write(pool, |conn| {
        let value = record(conn)?;
        store.put(id, content)?;
        Ok(value)
    });
    if stored.is_err() {
        store.discard(id);
    }
    stored
}

/// The assessment's evidence files, for the vendor (through a live link) or staff.
pub fn list(
    pool: &Pool,
    actor: &Actor,
    link: Option<&LinkScope>,
    assessment_id: &str,
) -> Result<Vec<EvidenceFile>, ServiceError> {
    read(pool, |conn| {
        if let Some(link) = link {
            check_link(conn, &actor.org, link)?;
        }
        load_row(conn, &actor.org, assessment_id)?;
        files_of(conn, &actor.org, assessment_id)
    })
}

pub(super) fn files_of(
    conn: &mut DbConn,
    org: &str,
    assessment_id: &str,
) -> Result<Vec<EvidenceFile>, ServiceError> {
    Ok(db::evidence::list(conn, org, assessment_id)?
        .into_iter()
        .map(to_file)
        .collect())
}

/// A stored file and its content, checked against the SHA-256 recorded at upload.
pub fn download(
    pool: &Pool,
    store: &EvidenceStore,
    actor: &Actor,
    assessment_id: &str,
    evidence_id: &str,
) -> Result<(EvidenceFile, Vec<u8>), ServiceError> {
    let row = read(pool, |conn| {
        db::evidence::find(conn, &actor.org, assessment_id, evidence_id)?
            .ok_or(ServiceError::NotFound { entity: "evidence" })
    })?;
    let content = read_checked(store, &row.id, &row.sha256)?;
    Ok((to_file(row), content))
}
