-- What a PostGraphile user writes to expose a customer's highlights, insights and
-- issues as computed columns, on the same schema customer-graph reads (highlights
-- and links carry their customer, migration m20261128_000003), so both sides walk
-- the same indexes:
-- `Customer.feedbackHighlights`, `Customer.insights`, `Customer.issues`, each a
-- connection with `first`/`totalCount`. Same orders as customer-graph
-- (src/store/relations.rs). Kept in its own schema; customer-graph never reads it.
CREATE SCHEMA IF NOT EXISTS postgraphile_bench;

CREATE OR REPLACE FUNCTION postgraphile_bench.customers_feedback_highlights(c public.customers)
RETURNS SETOF public.feedback_highlights LANGUAGE sql STABLE AS $$
  SELECT h.* FROM public.feedback_highlights h
  WHERE h.customer_uuid = c.uuid
  ORDER BY h.feedback_date DESC, h.uuid
$$;

CREATE OR REPLACE FUNCTION postgraphile_bench.customers_insights(c public.customers)
RETURNS SETOF public.insights LANGUAGE sql STABLE AS $$
  SELECT i.* FROM public.insights i
  WHERE i.organization_uuid = c.organization_uuid AND i.uuid IN (
    SELECT l.insight_uuid FROM public.insight_highlights l
    WHERE l.customer_uuid = c.uuid)
  ORDER BY i.title, i.uuid
$$;

CREATE OR REPLACE FUNCTION postgraphile_bench.customers_issues(c public.customers)
RETURNS SETOF public.issues LANGUAGE sql STABLE AS $$
  SELECT i.* FROM public.issues i
  WHERE i.organization_uuid = c.organization_uuid AND i.uuid IN (
    SELECT l.issue_uuid FROM public.issue_highlights l
    WHERE l.customer_uuid = c.uuid)
  ORDER BY i.title, i.uuid
$$;
