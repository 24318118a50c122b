-- Only accepted findings can lapse, and they are few: an index of them alone serves the
-- scheduled check as well as one of every finding did, and the inserts of open findings (a
-- first scoring writes hundreds of thousands) no longer write to it. The check names the
-- status as a literal, which lets the planner use the partial index, and reads them in its
-- order.
DROP INDEX findings_status_accepted_until;
CREATE INDEX findings_accepted_until ON findings (risk_accepted_until, id)
    WHERE status = 'risk_accepted';
