use diesel::prelude::*;

use super::schema::{assessment_answers, assessment_reminders, assessments, vendor_links};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assessments, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AssessmentRow {
    pub id: String,
    pub org_id: String,
    pub vendor_id: String,
    pub ai_service_id: Option<String>,
    pub template_version_id: String,
    pub contact_id: Option<String>,
    pub status: String,
    pub due_date: Option<String>,
    pub score: Option<f64>,
    pub scorecard: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub sent_at: Option<String>,
    pub submitted_at: Option<String>,
    pub completed_at: Option<String>,
    pub overdue_notified_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessment_answers, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AnswerRow {
    pub id: String,
    pub org_id: String,
    pub assessment_id: String,
    #[diesel(embed)]
    pub answer: StoredAnswer,
    pub updated_at: String,
}

/// What an answer says, without the columns that only file it (ids, organisation, time).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessment_answers, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct StoredAnswer {
    pub question_key: String,
    pub value: String,
    pub not_applicable: bool,
    pub comment: Option<String>,
    pub verdict: Option<String>,
    pub review_comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = vendor_links, treat_none_as_default_value = false)]
pub struct LinkRow {
    pub id: String,
    pub org_id: String,
    pub assessment_id: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// List filters; `due_before` keeps assessments in one of `due_statuses` due before that date.
#[derive(Debug, Clone, Default)]
pub struct AssessmentQuery {
    pub vendor_id: Option<String>,
    pub status: Option<String>,
    pub due_before: Option<(String, Vec<String>)>,
}

pub fn insert(conn: &mut DbConn, row: &AssessmentRow) -> QueryResult<()> {
    on_backend!(conn, c => diesel::insert_into(assessments::table)
        .values(row)
        .execute(c))
    .map(|_| ())
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<AssessmentRow>> {
    on_backend!(conn, c => assessments::table
        .filter(assessments::id.eq(id))
        .filter(assessments::org_id.eq(org))
        .select(AssessmentRow::as_select())
        .first(c))
    .optional()
}

/// Writes `row` if the stored version is still `expected_version`.
pub fn update(conn: &mut DbConn, row: &AssessmentRow, expected_version: i64) -> QueryResult<bool> {
    let changed = on_backend!(conn, c => diesel::update(
        assessments::table
            .filter(assessments::id.eq(&row.id))
            .filter(assessments::org_id.eq(&row.org_id))
            .filter(assessments::version.eq(expected_version)),
    )
    .set(row)
    .execute(c))?;
    Ok(changed == 1)
}

/// Moves the assessment from `version` to the next version, stamped `at`, if its stored version
/// is still `version`; returns whether it did. An answer save changes nothing else of the row.
pub fn touch(conn: &mut DbConn, org: &str, id: &str, version: i64, at: &str) -> QueryResult<bool> {
    let changed = match conn {
        DbConn::Sqlite(sqlite) => SqliteAssessmentTouch {
            org,
            id,
            version,
            at,
        }
        .execute(sqlite)?,
        DbConn::Pg(pg) => diesel::update(
            assessments::table
                .filter(assessments::id.eq(id))
                .filter(assessments::org_id.eq(org))
                .filter(assessments::version.eq(version)),
        )
        .set((
            assessments::version.eq(version + 1),
            assessments::updated_at.eq(at),
        ))
        .execute(pg)?,
    };
    Ok(changed == 1)
}

/// `touch` on SQLite, written out with a static query id so that it is prepared once per
/// connection; diesel prepares its own `UPDATE` anew on every execution.
struct SqliteAssessmentTouch<'a> {
    org: &'a str,
    id: &'a str,
    version: i64,
    at: &'a str,
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for SqliteAssessmentTouch<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Text};
        out.push_sql("UPDATE assessments SET version = ");
        out.push_bind_param::<BigInt, _>(&self.version)?;
        out.push_sql(" + 1, updated_at = ");
        out.push_bind_param::<Text, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(&self.id)?;
        out.push_sql(" AND org_id = ");
        out.push_bind_param::<Text, _>(&self.org)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<BigInt, _>(&self.version)?;
        Ok(())
    }
}

sqlite_static_statement!(SqliteAssessmentTouch);

/// Newest first, after the id `after`.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    query: &AssessmentQuery,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AssessmentRow>> {
    let mut select = assessments::table
        .filter(assessments::org_id.eq(org))
        .select(AssessmentRow::as_select())
        .into_boxed();
    if let Some(vendor_id) = &query.vendor_id {
        select = select.filter(assessments::vendor_id.eq(vendor_id.clone()));
    }
    if let Some(status) = &query.status {
        select = select.filter(assessments::status.eq(status.clone()));
    }
    if let Some((date, statuses)) = &query.due_before {
        select = select
            .filter(assessments::status.eq_any(statuses.clone()))
            .filter(assessments::due_date.lt(date.clone()));
    }
    if let Some(after) = after {
        select = select.filter(assessments::id.lt(after.to_owned()));
    }
    select
        .order(assessments::id.desc())
        .limit(limit + 1)
        .load(conn)
}

pub fn answers(conn: &mut DbConn, assessment_id: &str) -> QueryResult<Vec<StoredAnswer>> {
    on_backend!(conn, c => assessment_answers::table
        .filter(assessment_answers::assessment_id.eq(assessment_id))
        .select(StoredAnswer::as_select())
        .order(assessment_answers::question_key.asc())
        .load(c))
}

/// Holds the assessment's row until the transaction ends, so that concurrent writers of the
/// same assessment take turns instead of failing each other's version check. On SQLite the
/// IMMEDIATE write transaction already does this.
pub fn lock(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT 1 FROM assessments WHERE id = $1 AND org_id = $2 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .bind::<diesel::sql_types::Text, _>(org)
            .execute(pg)?;
    }
    Ok(())
}

/// Rows per upsert statement on PostgreSQL: ten bound parameters a row.
const ANSWERS_PER_STATEMENT: usize = super::MAX_BINDS / 10;

/// Inserts each answer, or replaces the stored answer to the same question (keeping its id).
/// `rows` must not hold two answers to one question.
pub fn save_answers(conn: &mut DbConn, rows: &[AnswerRow]) -> QueryResult<()> {
    use assessment_answers::dsl as a;
    use diesel::upsert::excluded;
    macro_rules! upsert {
        ($values:expr) => {
            diesel::insert_into(assessment_answers::table)
                .values($values)
                .on_conflict((a::assessment_id, a::question_key))
                .do_update()
                .set((
                    a::value.eq(excluded(a::value)),
                    a::not_applicable.eq(excluded(a::not_applicable)),
                    a::comment.eq(excluded(a::comment)),
                    a::verdict.eq(excluded(a::verdict)),
                    a::review_comment.eq(excluded(a::review_comment)),
                    a::updated_at.eq(excluded(a::updated_at)),
                ))
        };
    }
    // The multi-backend connection has no upsert. diesel writes a multi-row upsert for
    // PostgreSQL only; on SQLite the rows go in fixed-size groups (`in_fixed_groups`), each
    // size one prepared statement (`SqliteAnswerUpsert`), as `insert_rows` does.
    match conn {
        DbConn::Sqlite(sqlite) => {
            in_fixed_groups!(rows, |group| SqliteAnswerUpsert(group).execute(sqlite)?);
        }
        DbConn::Pg(pg) => {
            for chunk in rows.chunks(ANSWERS_PER_STATEMENT) {
                upsert!(chunk).execute(pg)?;
            }
        }
    }
    Ok(())
}

/// The upsert of `N` answers on SQLite, the same statement as `save_answers` builds with diesel
/// for PostgreSQL, written out. diesel prepares every `ON CONFLICT … DO UPDATE` anew on each
/// execution (it cannot tell that the text never changes): in a 100-answer save that was 38% of
/// the instructions. Written out with a static query id per `N`, each size is prepared once per
/// connection; several rows a statement spare each row a round of stepping, resetting and
/// binding a statement of its own.
struct SqliteAnswerUpsert<'a, const N: usize>(&'a [AnswerRow; N]);

impl<const N: usize> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
    for SqliteAnswerUpsert<'_, N>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Bool, Nullable, Text};
        out.push_sql(
            "INSERT INTO assessment_answers (id, org_id, assessment_id, question_key, value, \
             not_applicable, comment, verdict, review_comment, updated_at) VALUES ",
        );
        for (n, row) in self.0.iter().enumerate() {
            out.push_sql(if n == 0 { "(" } else { ", (" });
            out.push_bind_param::<Text, _>(&row.id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.org_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.assessment_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.answer.question_key)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.answer.value)?;
            out.push_sql(", ");
            out.push_bind_param::<Bool, _>(&row.answer.not_applicable)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.answer.comment)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.answer.verdict)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.answer.review_comment)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.updated_at)?;
            out.push_sql(")");
        }
        out.push_sql(
            " ON CONFLICT (assessment_id, question_key) DO UPDATE SET \
             value = excluded.value, not_applicable = excluded.not_applicable, \
             comment = excluded.comment, verdict = excluded.verdict, \
             review_comment = excluded.review_comment, updated_at = excluded.updated_at",
        );
        Ok(())
    }
}

sqlite_static_statement!(SqliteAnswerUpsert<const N: usize>);

pub fn insert_link(conn: &mut DbConn, row: &LinkRow) -> QueryResult<()> {
    diesel::insert_into(vendor_links::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_link(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<LinkRow>> {
    on_backend!(conn, c => vendor_links::table
        .filter(vendor_links::id.eq(id))
        .filter(vendor_links::org_id.eq(org))
        .select(LinkRow::as_select())
        .first(c))
    .optional()
}

/// Revokes every live link of the assessment; returns how many.
pub fn revoke_links(conn: &mut DbConn, assessment_id: &str, at: &str) -> QueryResult<usize> {
    diesel::update(
        vendor_links::table
            .filter(vendor_links::assessment_id.eq(assessment_id))
            .filter(vendor_links::revoked_at.is_null()),
    )
    .set(vendor_links::revoked_at.eq(Some(at)))
    .execute(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessment_reminders, treat_none_as_default_value = false)]
pub struct ReminderRow {
    pub id: String,
    pub org_id: String,
    pub assessment_id: String,
    pub channel: String,
    pub note: Option<String>,
    pub sent_at: String,
    pub recorded_by: String,
}

pub fn insert_reminder(conn: &mut DbConn, row: &ReminderRow) -> QueryResult<()> {
    diesel::insert_into(assessment_reminders::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Oldest first.
pub fn reminders(conn: &mut DbConn, assessment_id: &str) -> QueryResult<Vec<ReminderRow>> {
    assessment_reminders::table
        .filter(assessment_reminders::assessment_id.eq(assessment_id))
        .select(ReminderRow::as_select())
        .order((
            assessment_reminders::sent_at.asc(),
            assessment_reminders::id.asc(),
        ))
        .load(conn)
}

/// The statuses in which an assessment waits for the vendor (`domain::assessment::WAITING`),
/// written out as the partial index `assessments_overdue` names them: a planner uses that index
/// only for a query that states its condition in the same words, which a bound list is not.
const WAITING_FOR_THE_VENDOR: &str =
    "assessments.status IN ('draft', 'sent', 'in_progress', 'returned')";

/// Assessments of every organisation that wait for the vendor, due before `date`, whose overdue
/// event has not been raised; at most `limit`, the longest overdue first.
pub fn overdue_unnotified(
    conn: &mut DbConn,
    date: &str,
    limit: i64,
) -> QueryResult<Vec<AssessmentRow>> {
    assessments::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            WAITING_FOR_THE_VENDOR,
        ))
        .filter(assessments::overdue_notified_at.is_null())
        .filter(assessments::due_date.lt(date))
        .select(AssessmentRow::as_select())
        .order((assessments::due_date.asc(), assessments::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Marks the overdue event raised, unless another process did first; true if this call did.
pub fn mark_overdue_notified(conn: &mut DbConn, id: &str, at: &str) -> QueryResult<bool> {
    let changed = diesel::update(
        assessments::table
            .filter(assessments::id.eq(id))
            .filter(assessments::overdue_notified_at.is_null()),
    )
    .set(assessments::overdue_notified_at.eq(Some(at)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The vendor's completed assessments, most recently completed first.
pub fn completed_for_vendor(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> QueryResult<Vec<AssessmentRow>> {
    assessments::table
        .filter(assessments::org_id.eq(org))
        .filter(assessments::vendor_id.eq(vendor_id))
        .filter(assessments::status.eq("completed"))
        .select(AssessmentRow::as_select())
        .order((assessments::completed_at.desc(), assessments::id.desc()))
        .load(conn)
}

/// The completed assessments of the vendors with ids in (`after`, `last`], each vendor's
/// newest first.
pub fn completed_of_vendors_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<AssessmentRow>> {
    assessments::table
        .filter(assessments::org_id.eq(org))
        .filter(assessments::vendor_id.gt(after))
        .filter(assessments::vendor_id.le(last))
        .filter(assessments::status.eq("completed"))
        .select(AssessmentRow::as_select())
        .order((
            assessments::vendor_id.asc(),
            assessments::completed_at.desc(),
            assessments::id.desc(),
        ))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use crate::domain::ai_service::enum_to_text;
    use crate::domain::assessment::WAITING;

    #[test]
    fn the_overdue_check_names_every_waiting_status() {
        let listed: Vec<String> = WAITING
            .iter()
            .map(|status| format!("'{}'", enum_to_text(status)))
            .collect();
        assert_eq!(
            super::WAITING_FOR_THE_VENDOR,
            format!("assessments.status IN ({})", listed.join(", "))
        );
    }
}
