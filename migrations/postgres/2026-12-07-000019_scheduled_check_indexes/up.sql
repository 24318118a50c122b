-- The scheduled checks look across every organisation, and the indexes on these columns lead
-- with the organisation: each check read its whole table, inside the write transaction that
-- raises what it finds, holding every other writer back while it read (at 50,000 assessments
-- and 100,000 contracts, about 100 and 50 ms every time the checks ran).
--
-- Only assessments that wait for the vendor and were not yet reported overdue can become
-- overdue: the index holds those alone, so a completed assessment never writes to it. The
-- check names the statuses as literals, in these words, which lets the planner use it.
CREATE INDEX assessments_overdue ON assessments (due_date, id)
    WHERE overdue_notified_at IS NULL AND status IN ('draft', 'sent', 'in_progress', 'returned');
CREATE INDEX contracts_status_end ON contracts (status, end_date);
CREATE INDEX contracts_status_notice ON contracts (status, notice_date);
