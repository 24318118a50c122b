use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::schema::{
    assessments, portfolio_counts, risk_models, risk_scores, vendor_risk, vendors,
};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = risk_models, treat_none_as_default_value = false)]
pub struct RiskModelRow {
    pub id: String,
    pub org_id: String,
    pub version: i32,
    pub config: String,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = risk_scores, treat_none_as_default_value = false)]
pub struct RiskScoreRow {
    pub id: String,
    pub org_id: String,
    pub vendor_id: String,
    pub model_version: i32,
    pub inherent: f64,
    pub residual: f64,
    pub tier: String,
    pub explanation: String,
    pub cause: String,
    pub computed_at: String,
}

// The key is left out of the changeset: an update that sets it rechecks its foreign key.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vendor_risk, primary_key(vendor_id), treat_none_as_default_value = false)]
pub struct VendorRiskRow {
    pub vendor_id: String,
    pub org_id: String,
    pub score_id: String,
    pub inherent: f64,
    pub residual: f64,
    pub tier: String,
    pub model_version: i32,
    pub computed_at: String,
}

/// The model in force: the organisation's highest version, if it ever saved one.
pub fn current_model(conn: &mut DbConn, org: &str) -> QueryResult<Option<RiskModelRow>> {
    on_backend!(conn, c => risk_models::table
        .filter(risk_models::org_id.eq(org))
        .select(RiskModelRow::as_select())
        .order(risk_models::version.desc())
        .first(c))
    .optional()
}

pub fn models(conn: &mut DbConn, org: &str) -> QueryResult<Vec<RiskModelRow>> {
    risk_models::table
        .filter(risk_models::org_id.eq(org))
        .select(RiskModelRow::as_select())
        .order(risk_models::version.desc())
        .load(conn)
}

pub fn insert_model(conn: &mut DbConn, row: &RiskModelRow) -> QueryResult<()> {
    diesel::insert_into(risk_models::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_scores(conn: &mut DbConn, rows: &[RiskScoreRow]) -> QueryResult<()> {
    insert_rows!(conn, risk_scores::table, rows)
}

pub fn find_score(conn: &mut DbConn, id: &str) -> QueryResult<Option<RiskScoreRow>> {
    on_backend!(conn, c => risk_scores::table
        .filter(risk_scores::id.eq(id))
        .select(RiskScoreRow::as_select())
        .first(c))
    .optional()
}

/// A vendor's computations, newest first, one more than `limit`.
pub fn history(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<RiskScoreRow>> {
    let mut query = risk_scores::table
        .filter(risk_scores::org_id.eq(org))
        .filter(risk_scores::vendor_id.eq(vendor_id))
        .select(RiskScoreRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(risk_scores::id.lt(after.to_owned()));
    }
    query
        .order(risk_scores::id.desc())
        .limit(limit + 1)
        .load(conn)
}

pub fn vendor_risk(conn: &mut DbConn, vendor_id: &str) -> QueryResult<Option<VendorRiskRow>> {
    on_backend!(conn, c => vendor_risk::table
        .filter(vendor_risk::vendor_id.eq(vendor_id))
        .select(VendorRiskRow::as_select())
        .first(c))
    .optional()
}

/// The scores in force of the organisation's vendors with ids in (`after`, `last`].
pub fn scores_in_force_between(
    conn: &mut DbConn,
    org: &str,
    after: &str,
    last: &str,
) -> QueryResult<Vec<RiskScoreRow>> {
    on_backend!(conn, c => risk_scores::table
        .filter(
            risk_scores::id.eq_any(
                vendor_risk::table
                    .filter(vendor_risk::org_id.eq(org))
                    .filter(vendor_risk::vendor_id.gt(after))
                    .filter(vendor_risk::vendor_id.le(last))
                    .select(vendor_risk::score_id),
            ),
        )
        .select(RiskScoreRow::as_select())
        .load(c))
}

/// Sets each vendor's score in force. `rows` must not hold two rows for one vendor (one
/// PostgreSQL upsert may not change a row twice). On SQLite one prepared upsert a row
/// (`SqliteVendorRiskUpsert`); on PostgreSQL, where each statement is a round trip, upserts of
/// up to 64 rows.
pub fn set_vendor_risks(conn: &mut DbConn, rows: &[VendorRiskRow]) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(sqlite) => {
            for row in rows {
                SqliteVendorRiskUpsert(row).execute(sqlite)?;
            }
            Ok(())
        }
        DbConn::Pg(pg) => {
            for chunk in rows.chunks(64) {
                use diesel::upsert::excluded;
                diesel::insert_into(vendor_risk::table)
                    .values(chunk)
                    .on_conflict(vendor_risk::vendor_id)
                    .do_update()
                    .set((
                        vendor_risk::org_id.eq(excluded(vendor_risk::org_id)),
                        vendor_risk::score_id.eq(excluded(vendor_risk::score_id)),
                        vendor_risk::inherent.eq(excluded(vendor_risk::inherent)),
                        vendor_risk::residual.eq(excluded(vendor_risk::residual)),
                        vendor_risk::tier.eq(excluded(vendor_risk::tier)),
                        vendor_risk::model_version.eq(excluded(vendor_risk::model_version)),
                        vendor_risk::computed_at.eq(excluded(vendor_risk::computed_at)),
                    ))
                    .execute(pg)?;
            }
            Ok(())
        }
    }
}

/// `set_vendor_risks` on SQLite as one upsert written out with a static query id, so that it
/// stays prepared: diesel prepares every `UPDATE` anew on each execution, and every created
/// vendor and every rescore sets a score in force. The conflict path fires `vendor_risk`'s
/// update triggers like the `UPDATE` it replaces.
struct SqliteVendorRiskUpsert<'a>(&'a VendorRiskRow);

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for SqliteVendorRiskUpsert<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Double, Integer};
        let SqliteVendorRiskUpsert(row) = self;
        out.push_sql(
            "INSERT INTO vendor_risk (vendor_id, org_id, score_id, inherent, residual, tier, \
             model_version, computed_at) VALUES (",
        );
        out.push_bind_param::<Text, _>(&row.vendor_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.org_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.score_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Double, _>(&row.inherent)?;
        out.push_sql(", ");
        out.push_bind_param::<Double, _>(&row.residual)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.tier)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&row.model_version)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.computed_at)?;
        out.push_sql(
            ") ON CONFLICT (vendor_id) DO UPDATE SET org_id = excluded.org_id, \
             score_id = excluded.score_id, inherent = excluded.inherent, \
             residual = excluded.residual, tier = excluded.tier, \
             model_version = excluded.model_version, computed_at = excluded.computed_at",
        );
        Ok(())
    }
}

sqlite_static_statement!(SqliteVendorRiskUpsert);

/// A vendor in use (approved, with or without conditions) and not yet flagged for
/// reassessment, with what its cadence is counted from.
#[derive(Debug, QueryableByName)]
pub struct CadenceCandidate {
    #[diesel(sql_type = Text)]
    pub vendor_id: String,
    #[diesel(sql_type = Text)]
    pub org_id: String,
    #[diesel(sql_type = Text)]
    pub tier: String,
    #[diesel(sql_type = Text)]
    pub created_at: String,
    /// When its last assessment was completed.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_completed: Option<String>,
}

/// The last completion is read in the same statement (through `assessments_vendor_completed`)
/// rather than with a query per vendor.
const CADENCE_CANDIDATES: &str = "SELECT v.id AS vendor_id, v.org_id, r.tier, v.created_at, \
     (SELECT max(a.completed_at) FROM assessments a \
         WHERE a.org_id = v.org_id AND a.vendor_id = v.id AND a.status = 'completed') \
         AS last_completed \
     FROM vendors v JOIN vendor_risk r ON r.vendor_id = v.id \
     WHERE v.status IN ('approved', 'approved_with_conditions') AND NOT v.reassessment_due";

/// Candidates in id order after `after` (all when `None`), at most `limit`.
pub fn cadence_candidates(
    conn: &mut DbConn,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<CadenceCandidate>> {
    diesel::sql_query(format!(
        "{CADENCE_CANDIDATES} AND v.id > $1 ORDER BY v.id LIMIT $2"
    ))
    .bind::<Text, _>(after.unwrap_or(""))
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// The vendor if it is still a candidate.
pub fn cadence_candidate(
    conn: &mut DbConn,
    vendor_id: &str,
) -> QueryResult<Option<CadenceCandidate>> {
    diesel::sql_query(format!("{CADENCE_CANDIDATES} AND v.id = $1"))
        .bind::<Text, _>(vendor_id)
        .get_result(conn)
        .optional()
}

/// The organisation's portfolio counts as (dimension, key, count), each summed over its shards.
/// Dimensions: `vendor_status`, `risk_tier`, `open_finding_severity`.
pub fn portfolio_counts(conn: &mut DbConn, org: &str) -> QueryResult<Vec<(String, String, i64)>> {
    let rows: Vec<(String, String, i64)> = portfolio_counts::table
        .filter(portfolio_counts::org_id.eq(org))
        .select((
            portfolio_counts::dimension,
            portfolio_counts::key,
            portfolio_counts::n,
        ))
        .order((portfolio_counts::dimension, portfolio_counts::key))
        .load(conn)?;
    // Summed here rather than in SQL: PostgreSQL sums a BIGINT as NUMERIC.
    let mut counts: Vec<(String, String, i64)> = Vec::new();
    for (dimension, key, n) in rows {
        match counts.last_mut() {
            Some(last) if last.0 == dimension && last.1 == key => last.2 += n,
            _ => counts.push((dimension, key, n)),
        }
    }
    Ok(counts)
}

/// The highest residual risks with the vendor's name.
pub fn top_risks(
    conn: &mut DbConn,
    org: &str,
    limit: i64,
) -> QueryResult<Vec<(VendorRiskRow, String)>> {
    vendor_risk::table
        .inner_join(vendors::table)
        .filter(vendor_risk::org_id.eq(org))
        .filter(vendors::status.ne("offboarded"))
        .select((VendorRiskRow::as_select(), vendors::legal_name))
        .order((vendor_risk::residual.desc(), vendor_risk::vendor_id.asc()))
        .limit(limit)
        .load(conn)
}

/// A vendor's id, legal name and reassessment reason.
pub type DueVendorRow = (String, String, Option<String>);

/// How many vendors are flagged for reassessment, and the first `limit` of them.
pub fn reassessment_due(
    conn: &mut DbConn,
    org: &str,
    limit: i64,
) -> QueryResult<(i64, Vec<DueVendorRow>)> {
    let base = || {
        vendors::table
            .filter(vendors::org_id.eq(org))
            .filter(vendors::reassessment_due.eq(true))
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .select((
            vendors::id,
            vendors::legal_name,
            vendors::reassessment_reason,
        ))
        .order(vendors::id.asc())
        .limit(limit)
        .load(conn)?;
    Ok((total, rows))
}

/// Assessments past their due date and still waiting for the vendor.
pub fn overdue_assessments(
    conn: &mut DbConn,
    org: &str,
    today: &str,
    waiting: &[String],
) -> QueryResult<i64> {
    assessments::table
        .filter(assessments::org_id.eq(org))
        .filter(assessments::status.eq_any(waiting))
        .filter(assessments::due_date.lt(today.to_owned()))
        .count()
        .get_result(conn)
}

pub fn count_expired_contract_vendors(conn: &mut DbConn, org: &str) -> QueryResult<i64> {
    vendors::table
        .filter(vendors::org_id.eq(org))
        .filter(vendors::contract_expired.eq(true))
        .count()
        .get_result(conn)
}
