"""The counts behind the management figures, kept by triggers (``signals.models.FigureTally``)."""

from django.db import migrations, models


# Local months and days on the wall clock of settings.TIME_ZONE, as everywhere else.
TZ = "Europe/Amsterdam"

FUNCTIONS = f"""
CREATE FUNCTION figures_month(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('month', t AT TIME ZONE '{TZ}')::date
$$;

CREATE FUNCTION figures_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (t AT TIME ZONE '{TZ}')::date
$$;

-- Working days after day a up to and including day b (coordination.workdays:
-- weekends and the holidays of the ``holidays`` package off).
CREATE FUNCTION figures_working_days(a date, b date) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT count(*)::integer FROM generate_series(a + 1, b, interval '1 day') AS g
    WHERE extract(isodow FROM g) < 6
      AND NOT EXISTS (SELECT 1 FROM signals_figureholiday h WHERE h.day = g::date)
$$;

-- Repeat and multiple signals: the case's own flags (``Case.repeat``: opened for
-- a household whose last case closed within the policy's window;
-- ``Case.multiple``: two or more kinds of creditor within a month). These two
-- functions are where the figures read them.
CREATE FUNCTION figures_is_repeat(c cases_case) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT c.repeat
$$;

CREATE FUNCTION figures_is_multiple(c cases_case) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT c.multiple
$$;

CREATE FUNCTION figures_first_contact_late(case_id uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM cases_deadlinebreach b WHERE b.case_id = $1 AND b.deadline = 'first_contact'
    )
$$;

-- The facts one case adds to the figures. A case merged into another counts
-- there, once.
CREATE FUNCTION figures_case_facts(c cases_case, late boolean)
RETURNS TABLE (month date, district_id bigint, kind text, key text) LANGUAGE sql STABLE AS $$
    SELECT f.month, c.district_id, f.kind, f.key FROM (
        SELECT figures_month(c.opened_at) AS month, 'case'::text AS kind, ''::text AS key
        UNION ALL
        SELECT figures_month(c.opened_at), 'contacted', '' WHERE c.first_contact_at IS NOT NULL
        UNION ALL
        SELECT figures_month(c.opened_at), 'first_contact_days',
               least(figures_working_days(figures_day(c.opened_at), figures_day(c.first_contact_at)), 999)::text
        WHERE c.first_contact_at IS NOT NULL
        UNION ALL
        SELECT figures_month(c.opened_at), 'first_contact_late', ''
        WHERE c.first_contact_at IS NOT NULL AND late
        UNION ALL
        SELECT figures_month(c.opened_at), 'conversation', '' WHERE c.first_conversation_at IS NOT NULL
        UNION ALL
        SELECT figures_month(c.opened_at), 'help_accepted', '' WHERE c.help_accepted_on IS NOT NULL
        UNION ALL
        SELECT figures_month(c.opened_at), 'repeat', '' WHERE figures_is_repeat(c)
        UNION ALL
        SELECT figures_month(c.opened_at), 'multiple', '' WHERE figures_is_multiple(c)
        UNION ALL
        SELECT figures_month(c.closed_at), 'outcome', c.outcome
        WHERE c.state = 'closed' AND c.closed_at IS NOT NULL AND c.outcome <> ''
    ) AS f
    WHERE c.outcome IS DISTINCT FROM 'merged'
$$;

-- The facts of signals: one of its type and one of its postcode area, in the
-- month received, in its case's district.
CREATE FUNCTION figures_signal_facts(received_at timestamptz, signal_type_id bigint, postcode text,
                                     district_id bigint)
RETURNS TABLE (month date, district_id bigint, kind text, key text) LANGUAGE sql IMMUTABLE AS $$
    SELECT figures_month(received_at), district_id, k.kind, k.key
    FROM (VALUES ('signal_type', signal_type_id::text), ('signal_postcode', postcode)) AS k (kind, key)
$$;

CREATE FUNCTION figures_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    late boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        late := figures_first_contact_late(NEW.id);
        INSERT INTO signals_figuretally (month, district_id, kind, key, n)
        SELECT f.month, f.district_id, f.kind, f.key, 1 FROM figures_case_facts(NEW, late) AS f;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        late := figures_first_contact_late(OLD.id);
        INSERT INTO signals_figuretally (month, district_id, kind, key, n)
        SELECT f.month, f.district_id, f.kind, f.key, -1 FROM figures_case_facts(OLD, late) AS f;
        RETURN NULL;
    END IF;
    -- Only the columns the facts read: a new signal joining a case (its count,
    -- its last signal) costs a comparison here. (Compared here, not in the
    -- trigger's WHEN, which would stop migrations from changing these columns.)
    IF (OLD.opened_at, OLD.district_id, OLD.first_contact_at, OLD.first_conversation_at,
        OLD.help_accepted_on, OLD.repeat, OLD.multiple, OLD.state, OLD.closed_at, OLD.outcome)
       IS NOT DISTINCT FROM
       (NEW.opened_at, NEW.district_id, NEW.first_contact_at, NEW.first_conversation_at,
        NEW.help_accepted_on, NEW.repeat, NEW.multiple, NEW.state, NEW.closed_at, NEW.outcome) THEN
        RETURN NULL;
    END IF;
    late := figures_first_contact_late(NEW.id);
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT d.month, d.district_id, d.kind, d.key, sum(d.n)::integer FROM (
        SELECT f.*, 1 AS n FROM figures_case_facts(NEW, late) AS f
        UNION ALL
        SELECT f.*, -1 AS n FROM figures_case_facts(OLD, late) AS f
    ) AS d
    GROUP BY d.month, d.district_id, d.kind, d.key HAVING sum(d.n) <> 0;
    IF OLD.district_id IS DISTINCT FROM NEW.district_id THEN
        -- The case's signals count in its district: they move with it.
        INSERT INTO signals_figuretally (month, district_id, kind, key, n)
        SELECT f.month, f.district_id, f.kind, f.key, sum(d.n)::integer
        FROM (SELECT s.received_at, s.signal_type_id, s.postcode_area, OLD.district_id AS district_id, -1 AS n
              FROM signals_signal s WHERE s.case_id = NEW.id
              UNION ALL
              SELECT s.received_at, s.signal_type_id, s.postcode_area, NEW.district_id, 1
              FROM signals_signal s WHERE s.case_id = NEW.id) AS d,
             figures_signal_facts(d.received_at, d.signal_type_id, d.postcode_area, d.district_id) AS f
        GROUP BY f.month, f.district_id, f.kind, f.key HAVING sum(d.n) <> 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER figures_case_inserted AFTER INSERT ON cases_case
    FOR EACH ROW EXECUTE FUNCTION figures_case_changed();
CREATE TRIGGER figures_case_deleted AFTER DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION figures_case_changed();
CREATE TRIGGER figures_case_updated AFTER UPDATE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION figures_case_changed();

-- Signals: per statement, so a COPY of a thousand signals adds a handful of rows.
CREATE FUNCTION figures_signals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT f.month, f.district_id, f.kind, f.key, count(*)::integer
    FROM new_rows s LEFT JOIN cases_case c ON c.id = s.case_id,
         figures_signal_facts(s.received_at, s.signal_type_id, s.postcode_area, c.district_id) AS f
    GROUP BY f.month, f.district_id, f.kind, f.key;
    RETURN NULL;
END
$$;

CREATE FUNCTION figures_signals_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT f.month, f.district_id, f.kind, f.key, -count(*)::integer
    FROM old_rows s LEFT JOIN cases_case c ON c.id = s.case_id,
         figures_signal_facts(s.received_at, s.signal_type_id, s.postcode_area, c.district_id) AS f
    GROUP BY f.month, f.district_id, f.kind, f.key;
    RETURN NULL;
END
$$;

CREATE FUNCTION figures_signals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT f.month, f.district_id, f.kind, f.key, sum(d.n)::integer
    FROM (
        SELECT o.received_at, o.signal_type_id, o.postcode_area, oc.district_id, -1 AS n
        FROM old_rows o JOIN new_rows s ON s.id = o.id LEFT JOIN cases_case oc ON oc.id = o.case_id
        WHERE (o.received_at, o.signal_type_id, o.postcode_area, o.case_id)
              IS DISTINCT FROM (s.received_at, s.signal_type_id, s.postcode_area, s.case_id)
        UNION ALL
        SELECT s.received_at, s.signal_type_id, s.postcode_area, nc.district_id, 1
        FROM old_rows o JOIN new_rows s ON s.id = o.id LEFT JOIN cases_case nc ON nc.id = s.case_id
        WHERE (o.received_at, o.signal_type_id, o.postcode_area, o.case_id)
              IS DISTINCT FROM (s.received_at, s.signal_type_id, s.postcode_area, s.case_id)
    ) AS d,
    figures_signal_facts(d.received_at, d.signal_type_id, d.postcode_area, d.district_id) AS f
    GROUP BY f.month, f.district_id, f.kind, f.key HAVING sum(d.n) <> 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER figures_signals_inserted AFTER INSERT ON signals_signal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION figures_signals_inserted();
CREATE TRIGGER figures_signals_deleted AFTER DELETE ON signals_signal
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION figures_signals_deleted();
CREATE TRIGGER figures_signals_updated AFTER UPDATE ON signals_signal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION figures_signals_updated();

-- A first-contact deadline passed: the case's contact was late. Only the
-- first such breach of a case changes its facts.
CREATE FUNCTION figures_breach_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    breach cases_deadlinebreach;
    c cases_case;
BEGIN
    IF TG_OP = 'INSERT' THEN breach := NEW; ELSE breach := OLD; END IF;
    IF breach.deadline <> 'first_contact' THEN RETURN NULL; END IF;
    IF EXISTS (SELECT 1 FROM cases_deadlinebreach b WHERE b.case_id = breach.case_id
               AND b.deadline = 'first_contact' AND b.id <> breach.id) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO c FROM cases_case WHERE id = breach.case_id;
    IF NOT FOUND THEN RETURN NULL; END IF;
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT d.month, d.district_id, d.kind, d.key, sum(d.n)::integer FROM (
        SELECT f.*, 1 AS n FROM figures_case_facts(c, TG_OP = 'INSERT') AS f
        UNION ALL
        SELECT f.*, -1 AS n FROM figures_case_facts(c, TG_OP = 'DELETE') AS f
    ) AS d
    GROUP BY d.month, d.district_id, d.kind, d.key HAVING sum(d.n) <> 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER figures_breach_changed AFTER INSERT OR DELETE ON cases_deadlinebreach
    FOR EACH ROW EXECUTE FUNCTION figures_breach_changed();

-- Count everything anew (the migration; ``manage.py rebuild_figures`` as a
-- repair). Writers of cases and signals wait until it commits.
CREATE FUNCTION figures_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE signals_figuretally IN EXCLUSIVE MODE;
    DELETE FROM signals_figuretally;
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT f.month, f.district_id, f.kind, f.key, count(*)::integer
    FROM cases_case c, figures_case_facts(c, figures_first_contact_late(c.id)) AS f
    GROUP BY f.month, f.district_id, f.kind, f.key;
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT f.month, f.district_id, f.kind, f.key, count(*)::integer
    FROM signals_signal s LEFT JOIN cases_case c ON c.id = s.case_id,
         figures_signal_facts(s.received_at, s.signal_type_id, s.postcode_area, c.district_id) AS f
    GROUP BY f.month, f.district_id, f.kind, f.key;
END
$$;

-- Fold the rows of every fact that has more than one into one; facts with a
-- single row stay untouched (and visible to index-only scans). Rows written
-- meanwhile stay as they are.
CREATE FUNCTION figures_compact() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    folded integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('figures_compact')) THEN RETURN 0; END IF;
    WITH several AS (
        SELECT month, coalesce(district_id, 0) AS district, kind, key FROM signals_figuretally
        GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM signals_figuretally t USING several s
        WHERE t.month = s.month AND coalesce(t.district_id, 0) = s.district AND t.kind = s.kind AND t.key = s.key
        RETURNING t.month, t.district_id, t.kind, t.key, t.n
    )
    INSERT INTO signals_figuretally (month, district_id, kind, key, n)
    SELECT month, district_id, kind, key, sum(n)::integer FROM gone
    GROUP BY month, district_id, kind, key HAVING sum(n) <> 0;
    GET DIAGNOSTICS folded = ROW_COUNT;
    RETURN folded;
END
$$;
"""

DROP = """
DROP TRIGGER figures_breach_changed ON cases_deadlinebreach;
DROP TRIGGER figures_signals_updated ON signals_signal;
DROP TRIGGER figures_signals_deleted ON signals_signal;
DROP TRIGGER figures_signals_inserted ON signals_signal;
DROP TRIGGER figures_case_updated ON cases_case;
DROP TRIGGER figures_case_deleted ON cases_case;
DROP TRIGGER figures_case_inserted ON cases_case;
DROP FUNCTION figures_compact(), figures_rebuild(), figures_breach_changed(), figures_signals_updated(),
    figures_signals_deleted(), figures_signals_inserted(), figures_case_changed(),
    figures_signal_facts(timestamptz, bigint, text, bigint), figures_case_facts(cases_case, boolean),
    figures_first_contact_late(uuid), figures_is_multiple(cases_case), figures_is_repeat(cases_case),
    figures_working_days(date, date), figures_day(timestamptz), figures_month(timestamptz);
"""


def on_postgresql(sql):
    """Run ``sql`` on PostgreSQL only: on SQLite (``make run``) the figures are counted in
    Python instead (``signals.figures.facts_counted_here``)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


def load_holidays(apps, schema_editor):
    # The same calendar as coordination.workdays, for the years a case can span.
    import holidays

    FigureHoliday = apps.get_model("signals", "FigureHoliday")
    days = holidays.country_holidays("NL", years=range(2000, 2101))
    FigureHoliday.objects.bulk_create([FigureHoliday(day=day) for day in sorted(days)])


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0016_work_trays_and_case_facts'),
        ('signals', '0010_allowed_types_xlsx_and_error_columns'),
    ]

    operations = [
        migrations.CreateModel(
            name='FigureHoliday',
            fields=[
                ('day', models.DateField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name='FigureTally',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('month', models.DateField()),
                ('district_id', models.BigIntegerField(null=True)),
                ('kind', models.CharField(max_length=24)),
                ('key', models.CharField(blank=True, max_length=40)),
                ('n', models.IntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['month', 'kind'], name='figure_tally_month_idx')],
            },
        ),
        migrations.RunPython(load_holidays, migrations.RunPython.noop),
        migrations.RunPython(on_postgresql(FUNCTIONS), on_postgresql(DROP)),
        migrations.RunPython(on_postgresql("SELECT figures_rebuild()"), migrations.RunPython.noop),
    ]
