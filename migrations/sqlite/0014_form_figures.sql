-- Opt-in forms' figures, kept as tallies when things happen (no page reads the
-- ledger to count them):
-- - `granted`: submissions whose consent held at once (single opt-in); with the
--   confirmations of double opt-ins they are the form's opt-ins, and the
--   conversion is opt-ins per view.
-- - `notice_views`: how many times each notice version (per language) was shown
--   on a form's public page. Views before this migration were not told apart by
--   version, so they count only in the form's total.
ALTER TABLE forms ADD COLUMN granted INTEGER NOT NULL DEFAULT 0;
UPDATE forms SET granted = (
    SELECT COUNT(*) FROM form_submissions s WHERE s.form_id = forms.id AND s.state = 'recorded'
) WHERE double_opt_in = 0;

CREATE TABLE notice_views (
    notice_id TEXT PRIMARY KEY REFERENCES notices (id),
    views INTEGER NOT NULL
);
