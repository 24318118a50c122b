use diesel::prelude::*;

use super::schema::{customer_questionnaires, customer_questions};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_questionnaires, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct QuestionnaireRow {
    pub id: String,
    pub org_id: String,
    pub customer: String,
    pub title: String,
    pub source_format: String,
    pub layout: String,
    pub status: String,
    pub owner: Option<String>,
    pub due_date: Option<String>,
    pub question_count: i64,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_questions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct QuestionRow {
    pub id: String,
    pub org_id: String,
    pub questionnaire_id: String,
    pub position: i64,
    pub row_number: Option<i64>,
    pub section: Option<String>,
    pub reference: Option<String>,
    pub text: String,
    pub cells: String,
    pub suggestions: String,
    pub needs_human: bool,
    pub answer: Option<String>,
    pub answer_source: Option<String>,
    pub entry_id: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
}

/// How far a questionnaire's answering has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub answered: i64,
    pub needs_human: i64,
}

pub fn insert(conn: &mut DbConn, row: &QuestionnaireRow) -> QueryResult<()> {
    diesel::insert_into(customer_questionnaires::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Several rows a statement (`insert_rows`): an import brings hundreds.
pub fn insert_questions(conn: &mut DbConn, rows: &[QuestionRow]) -> QueryResult<()> {
    insert_rows!(conn, customer_questions::table, rows)
}

/// Stores a question's suggestions unless it has been answered; returns whether it stored them.
pub fn set_suggestions(
    conn: &mut DbConn,
    org: &str,
    question_id: &str,
    suggestions: &str,
    needs_human: bool,
) -> QueryResult<bool> {
    let changed = match conn {
        DbConn::Sqlite(sqlite) => SqliteSuggestionsUpdate {
            org,
            question_id,
            suggestions,
            needs_human,
        }
        .execute(sqlite)?,
        DbConn::Pg(pg) => diesel::update(
            customer_questions::table
                .filter(customer_questions::id.eq(question_id))
                .filter(customer_questions::org_id.eq(org))
                .filter(customer_questions::answer.is_null()),
        )
        .set((
            customer_questions::suggestions.eq(suggestions),
            customer_questions::needs_human.eq(needs_human),
        ))
        .execute(pg)?,
    };
    Ok(changed == 1)
}

/// `set_suggestions` on SQLite with a static query id, prepared once per connection: a
/// questionnaire's suggestions are stored a question at a time.
struct SqliteSuggestionsUpdate<'a> {
    org: &'a str,
    question_id: &'a str,
    suggestions: &'a str,
    needs_human: bool,
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for SqliteSuggestionsUpdate<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Bool, Text};
        out.push_sql("UPDATE customer_questions SET suggestions = ");
        out.push_bind_param::<Text, _>(&self.suggestions)?;
        out.push_sql(", needs_human = ");
        out.push_bind_param::<Bool, _>(&self.needs_human)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(&self.question_id)?;
        out.push_sql(" AND org_id = ");
        out.push_bind_param::<Text, _>(&self.org)?;
        out.push_sql(" AND answer IS NULL");
        Ok(())
    }
}

sqlite_static_statement!(SqliteSuggestionsUpdate);

/// Writes `row` if the stored version is still `expected_version`; returns whether it did.
pub fn update(
    conn: &mut DbConn,
    row: &QuestionnaireRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        customer_questionnaires::table
            .filter(customer_questionnaires::id.eq(&row.id))
            .filter(customer_questionnaires::org_id.eq(&row.org_id))
            .filter(customer_questionnaires::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn update_question(conn: &mut DbConn, row: &QuestionRow) -> QueryResult<()> {
    diesel::update(
        customer_questions::table
            .filter(customer_questions::id.eq(&row.id))
            .filter(customer_questions::org_id.eq(&row.org_id)),
    )
    .set(row)
    .execute(conn)
    .map(|_| ())
}

pub fn find(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<QuestionnaireRow>> {
    customer_questionnaires::table
        .filter(customer_questionnaires::id.eq(id))
        .filter(customer_questionnaires::org_id.eq(org))
        .select(QuestionnaireRow::as_select())
        .first(conn)
        .optional()
}

/// One page, newest first, one row more than `limit`.
pub fn list(
    conn: &mut DbConn,
    org: &str,
    status: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<QuestionnaireRow>> {
    let mut query = customer_questionnaires::table
        .filter(customer_questionnaires::org_id.eq(org))
        .select(QuestionnaireRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(customer_questionnaires::status.eq(status.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(customer_questionnaires::id.lt(after.to_owned()));
    }
    query
        .order(customer_questionnaires::id.desc())
        .limit(limit + 1)
        .load(conn)
}

/// The questionnaire's questions in order.
pub fn questions(conn: &mut DbConn, questionnaire_id: &str) -> QueryResult<Vec<QuestionRow>> {
    customer_questions::table
        .filter(customer_questions::questionnaire_id.eq(questionnaire_id))
        .select(QuestionRow::as_select())
        .order(customer_questions::position.asc())
        .load(conn)
}

pub fn find_question(
    conn: &mut DbConn,
    questionnaire_id: &str,
    id: &str,
) -> QueryResult<Option<QuestionRow>> {
    customer_questions::table
        .filter(customer_questions::questionnaire_id.eq(questionnaire_id))
        .filter(customer_questions::id.eq(id))
        .select(QuestionRow::as_select())
        .first(conn)
        .optional()
}

pub fn progress(conn: &mut DbConn, questionnaire_id: &str) -> QueryResult<Progress> {
    let answered = customer_questions::table
        .filter(customer_questions::questionnaire_id.eq(questionnaire_id))
        .filter(customer_questions::answer.is_not_null())
        .count()
        .get_result(conn)?;
    let needs_human = customer_questions::table
        .filter(customer_questions::questionnaire_id.eq(questionnaire_id))
        .filter(customer_questions::answer.is_null())
        .filter(customer_questions::needs_human.eq(true))
        .count()
        .get_result(conn)?;
    Ok(Progress {
        answered,
        needs_human,
    })
}
