#include "team/team_schema.h"

#include "store/database.h"
#include "store/schema.h"
#include "team/pg_connection.h"

#include <QRegularExpression>

namespace reprise {

using namespace Qt::StringLiterals;

namespace {

    /// Who may do what, by table: every table of the run schema is in exactly one group, and
    /// initTeamStore() refuses a schema with a table none names (a new table must get its rule).
    /// Tables whose rows belong to a run through `run_id` (runs itself through `id`).
    const QStringList kRunTables = { u"params"_s, u"tags"_s, u"metrics"_s, u"metric_latest"_s, u"metric_packed"_s,
        u"run_output"_s, u"steps"_s, u"artifacts"_s, u"datasets"_s };
    /// The runs the session's login owns. Uncorrelated, so PostgreSQL evaluates it once per statement
    /// (a hashed subplan), not per row: a COPY of a million points is checked at COPY's speed.
    const char* const kOwnedRuns = "SELECT run_id FROM reprise_meta.run_owners WHERE login = session_user";
    /// Tables whose rows belong to a run through a step or a dataset: table -> ownership check.
    const QList<std::pair<QString, QString>> kIndirectTables = {
        { u"step_io"_s, u"step_id IN (SELECT id FROM reprise.steps WHERE run_id IN (%1))"_s },
        { u"step_edges"_s,
            u"from_step IN (SELECT id FROM reprise.steps WHERE run_id IN (%1)) "
            u"AND to_step IN (SELECT id FROM reprise.steps WHERE run_id IN (%1))"_s },
        { u"feature_profiles"_s, u"dataset_id IN (SELECT id FROM reprise.datasets WHERE run_id IN (%1))"_s },
    };
    /// The run of a row of a table in kIndirectTables (alias r), for the change log.
    const QList<std::pair<QString, QString>> kIndirectRun = {
        { u"step_io"_s, u"(SELECT s.run_id FROM reprise.steps s WHERE s.id = r.step_id)"_s },
        { u"step_edges"_s, u"(SELECT s.run_id FROM reprise.steps s WHERE s.id = r.from_step)"_s },
        { u"feature_profiles"_s, u"(SELECT d.run_id FROM reprise.datasets d WHERE d.id = r.dataset_id)"_s },
    };
    /// Shared dictionaries: everyone reads, writers add, nobody changes or removes.
    const QStringList kDictionaryTables = { u"projects"_s, u"metric_keys"_s };

    /// Serializes concurrent `team init`s (an arbitrary constant: "RPRS").
    constexpr qint64 kInitLock = 0x52505253;

    const char* const kBookkeeping = R"sql(
CREATE SCHEMA IF NOT EXISTS reprise;
CREATE SCHEMA IF NOT EXISTS reprise_meta;
CREATE TABLE IF NOT EXISTS reprise_meta.schema_version (version integer NOT NULL);
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reprise_reader') THEN
        CREATE ROLE reprise_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reprise_writer') THEN
        CREATE ROLE reprise_writer NOLOGIN;
    END IF;
END $$;
)sql";

    /// Ownership: the login that inserted a run owns it, recorded by a trigger that runs as its definer
    /// (writers cannot write run_owners themselves). Everyone may read who owns what.
    const char* const kOwnership = R"sql(
CREATE TABLE IF NOT EXISTS reprise_meta.run_owners (
    run_id bigint PRIMARY KEY REFERENCES reprise.runs(id) ON DELETE CASCADE,
    login  text NOT NULL
);
CREATE OR REPLACE FUNCTION reprise_meta.record_owner() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN
        INSERT INTO reprise_meta.run_owners (run_id, login) VALUES (NEW.id, session_user);
        RETURN NEW;
    END $$;
DROP TRIGGER IF EXISTS runs_owner ON reprise.runs;
CREATE TRIGGER runs_owner AFTER INSERT ON reprise.runs FOR EACH ROW EXECUTE FUNCTION reprise_meta.record_owner();
-- Every statement that changes a table of the store moves the change counter (readers compare it
-- with the one their copy was made at) and notifies `reprise`, which windows following the store
-- LISTEN on (one notification per committed transaction: PostgreSQL folds duplicates).
CREATE SEQUENCE IF NOT EXISTS reprise_meta.changes;
CREATE OR REPLACE FUNCTION reprise_meta.note_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM nextval('reprise_meta.changes'); PERFORM pg_notify('reprise', ''); RETURN NULL; END $$;
GRANT SELECT ON SEQUENCE reprise_meta.changes TO reprise_reader;
-- Which runs changed, and in which transaction: one row per run, holding the id of the last
-- transaction that wrote any of its rows (a deleted run keeps its row). A reader's copy remembers
-- the snapshot it was made from and fetches only the runs whose transaction that snapshot did not
-- see (pg_visible_in_snapshot), whatever order transactions committed in. Written by statement
-- triggers over transition tables (changeLog() below): no per-row trigger on a COPY of a million
-- points. run_id -1 means a table was truncated: readers copy everything again.
CREATE TABLE IF NOT EXISTS reprise_meta.run_changes (
    run_id bigint PRIMARY KEY,
    xid    xid8 NOT NULL
);
CREATE INDEX IF NOT EXISTS run_changes_xid ON reprise_meta.run_changes (xid);
CREATE OR REPLACE FUNCTION reprise_meta.note_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN
        INSERT INTO reprise_meta.run_changes VALUES (-1, pg_current_xact_id())
            ON CONFLICT (run_id) DO UPDATE SET xid = excluded.xid;
        RETURN NULL;
    END $$;
GRANT SELECT ON reprise_meta.run_changes TO reprise_reader;
-- Packed histories are float64/int64 arrays that do not compress: stored as they are, not run
-- through pglz on every write and read (a 1 M-point run is 24 MB).
ALTER TABLE reprise.metric_packed ALTER COLUMN steps SET STORAGE EXTERNAL, ALTER COLUMN vals SET STORAGE EXTERNAL,
    ALTER COLUMN times SET STORAGE EXTERNAL;
GRANT USAGE ON SCHEMA reprise, reprise_meta TO reprise_reader, reprise_writer;
GRANT reprise_reader TO reprise_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA reprise TO reprise_reader;
GRANT SELECT ON reprise_meta.schema_version, reprise_meta.run_owners TO reprise_reader;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA reprise TO reprise_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA reprise TO reprise_writer;
)sql";

    /// The policies of one table: everyone reads; writers insert rows passing `addCheck`; rows
    /// passing `owned` are updated and deleted by writers (none when `owned` is empty).
    QString policies(const QString& table, const QString& addCheck, const QString& owned)
    {
        QString sql = QStringLiteral("ALTER TABLE reprise.%1 ENABLE ROW LEVEL SECURITY;\n").arg(table);
        for (const char* name : { "everyone_reads", "writers_add", "owners_edit", "owners_remove" })
            sql += QStringLiteral("DROP POLICY IF EXISTS %1 ON reprise.%2;\n").arg(QLatin1String(name), table);
        sql += QStringLiteral("CREATE POLICY everyone_reads ON reprise.%1 FOR SELECT USING (true);\n"
                              "CREATE POLICY writers_add ON reprise.%1 FOR INSERT TO reprise_writer WITH CHECK (%2);\n")
                   .arg(table, addCheck);
        if (!owned.isEmpty())
            sql += QStringLiteral(
                "CREATE POLICY owners_edit ON reprise.%1 FOR UPDATE TO reprise_writer "
                "USING (%2) WITH CHECK (%2);\n"
                "CREATE POLICY owners_remove ON reprise.%1 FOR DELETE TO reprise_writer USING (%2);\n")
                       .arg(table, owned);
        return sql;
    }

    /// The change trigger of one table (see note_change in kOwnership).
    QString changeTrigger(const QString& table)
    {
        return QStringLiteral("DROP TRIGGER IF EXISTS note_change ON reprise.%1;\n"
                              "CREATE TRIGGER note_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reprise.%1 "
                              "FOR EACH STATEMENT EXECUTE FUNCTION reprise_meta.note_change();\n")
            .arg(table);
    }

    /// The change log of one table (reprise_meta.run_changes, see kOwnership): which runs a statement
    /// touched, from its transition tables. `runOf` is the run of a row of `rows` (an SQL expression
    /// over alias r); rows whose run cannot be found (a step deleted before its inputs) were logged
    /// by the statement that deleted it.
    QString changeLog(const QString& table, const QString& runOf)
    {
        const QString log = QStringLiteral(
            "INSERT INTO reprise_meta.run_changes (run_id, xid) SELECT DISTINCT %1, pg_current_xact_id() FROM %2 r "
            "WHERE %1 IS NOT NULL ON CONFLICT (run_id) DO UPDATE SET xid = excluded.xid;")
                                .arg(runOf);
        QString sql = QStringLiteral("CREATE OR REPLACE FUNCTION reprise_meta.log_%1() RETURNS trigger\n"
                                     "    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp\n"
                                     "    AS $$ BEGIN\n"
                                     "        IF TG_OP = 'UPDATE' THEN %2 END IF;\n"
                                     "        IF TG_OP = 'DELETE' THEN %3 ELSE %4 END IF;\n"
                                     "        RETURN NULL;\n"
                                     "    END $$;\n")
                          .arg(table, log.arg(QStringLiteral("old_rows")), log.arg(QStringLiteral("old_rows")),
                              log.arg(QStringLiteral("new_rows")));
        for (const char* name : { "log_insert", "log_update", "log_delete", "log_truncate" })
            sql += QStringLiteral("DROP TRIGGER IF EXISTS %1 ON reprise.%2;\n").arg(QLatin1String(name), table);
        sql += QStringLiteral(
            "CREATE TRIGGER log_insert AFTER INSERT ON reprise.%1 REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION reprise_meta.log_%1();\n"
            "CREATE TRIGGER log_update AFTER UPDATE ON reprise.%1 REFERENCING OLD TABLE AS old_rows NEW TABLE AS "
            "new_rows FOR EACH STATEMENT EXECUTE FUNCTION reprise_meta.log_%1();\n"
            "CREATE TRIGGER log_delete AFTER DELETE ON reprise.%1 REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION reprise_meta.log_%1();\n"
            "CREATE TRIGGER log_truncate AFTER TRUNCATE ON reprise.%1 "
            "FOR EACH STATEMENT EXECUTE FUNCTION reprise_meta.note_truncate();\n")
                   .arg(table);
        return sql;
    }

    /// Row-level security of every table; an error names a table no rule covers.
    Result<QString> accessRules(const QStringList& tables)
    {
        QString sql;
        for (const QString& table : tables) {
            sql += changeTrigger(table);
            const QString owned = QString::fromLatin1(kOwnedRuns);
            const QString ownsRun = QStringLiteral("run_id IN (%1)").arg(owned);
            if (table == QLatin1String("runs")) {
                // A run is added by any writer (the trigger records who); only its owner edits it.
                sql += policies(table, QStringLiteral("true"), QStringLiteral("id IN (%1)").arg(owned));
                sql += changeLog(table, QStringLiteral("r.id"));
            } else if (kRunTables.contains(table)) {
                sql += policies(table, ownsRun, ownsRun);
                sql += changeLog(table, QStringLiteral("r.run_id"));
            } else if (kDictionaryTables.contains(table)) {
                sql += policies(table, QStringLiteral("true"), {});
            } else {
                auto indirect = std::find_if(kIndirectTables.begin(), kIndirectTables.end(),
                    [&](const auto& entry) { return entry.first == table; });
                if (indirect == kIndirectTables.end())
                    return Error { QStringLiteral("team store schema: table %1 has no access rule").arg(table),
                        QStringLiteral("this is a bug in Reprise; every table of the run schema needs one") };
                const QString check = indirect->second.arg(owned);
                sql += policies(table, check, check);
                for (const auto& [name, runOf] : kIndirectRun)
                    if (name == table)
                        sql += changeLog(table, runOf);
            }
        }
        return sql;
    }

    Result<int> storedVersion(const PgConnection& conn)
    {
        auto exists = conn.query(QStringLiteral("SELECT to_regclass('reprise_meta.schema_version') IS NOT NULL"));
        if (!exists)
            return exists.error();
        if (exists->bytes(0, 0) != "t")
            return 0;
        auto version = conn.query(QStringLiteral("SELECT coalesce(max(version), 0) FROM reprise_meta.schema_version"));
        if (!version)
            return version.error();
        return int(version->int64(0, 0));
    }

} // namespace

QString postgresDialect(const QString& sqliteSql)
{
    QString sql = sqliteSql;
    sql.replace(QRegularExpression(QStringLiteral(R"(\bINTEGER\s+PRIMARY\s+KEY\b)")),
        QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"));
    sql.replace(QRegularExpression(QStringLiteral(R"(\bINTEGER\b)")), QStringLiteral("BIGINT"));
    sql.replace(QRegularExpression(QStringLiteral(R"(\bREAL\b)")), QStringLiteral("DOUBLE PRECISION"));
    sql.replace(QRegularExpression(QStringLiteral(R"(\bBLOB\b)")), QStringLiteral("BYTEA"));
    sql.replace(QRegularExpression(QStringLiteral(R"(\)\s*WITHOUT\s+ROWID\s*;)")), QStringLiteral(");"));
    return sql;
}

QStringList teamTables()
{
    static const QRegularExpression createTable(QStringLiteral(R"(CREATE\s+TABLE\s+(\w+))"));
    QStringList tables;
    for (const Migration& migration : schemaMigrations()) {
        auto it = createTable.globalMatch(QString::fromUtf8(migration.sql));
        while (it.hasNext())
            tables << it.next().captured(1);
    }
    return tables;
}

Result<TeamInitSummary> initTeamStore(const PgConnection& conn)
{
    auto rules = accessRules(teamTables());
    if (!rules)
        return rules.error();
    TeamInitSummary summary;
    summary.toVersion = latestSchemaVersion();
    auto st = inPgTransaction(conn, [&]() -> Status {
        if (auto lock = conn.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(kInitLock)); !lock)
            return lock;
        if (auto made = conn.exec(QString::fromUtf8(kBookkeeping)); !made)
            return made;
        auto version = storedVersion(conn);
        if (!version)
            return version.error();
        summary.fromVersion = *version;
        if (*version > latestSchemaVersion())
            return Error { QStringLiteral("%1: its schema version %2 is newer than this Reprise knows (%3)")
                               .arg(conn.name())
                               .arg(*version)
                               .arg(latestSchemaVersion()),
                QStringLiteral("run `reprise team init` with a newer Reprise") };
        if (auto path = conn.exec(QStringLiteral("SET LOCAL search_path = reprise, pg_catalog")); !path)
            return path;
        for (const Migration& migration : schemaMigrations()) {
            if (migration.version <= *version)
                continue;
            if (auto applied = conn.exec(postgresDialect(QString::fromUtf8(migration.sql))); !applied)
                return applied;
        }
        if (auto path = conn.exec(QStringLiteral("SET LOCAL search_path = pg_catalog")); !path)
            return path;
        if (auto stored = conn.exec(QStringLiteral("DELETE FROM reprise_meta.schema_version; "
                                                   "INSERT INTO reprise_meta.schema_version VALUES (%1)")
                                        .arg(latestSchemaVersion()));
            !stored)
            return stored;
        if (auto owners = conn.exec(QString::fromUtf8(kOwnership)); !owners)
            return owners;
        return conn.exec(*rules);
    });
    if (!st)
        return st.error();
    return summary;
}

Result<int> checkTeamSchema(const PgConnection& conn)
{
    auto version = storedVersion(conn);
    if (!version)
        return version.error();
    if (*version == 0)
        return Error { QStringLiteral("%1: holds no Reprise team store").arg(conn.name()),
            QStringLiteral("an administrator creates it with `reprise team init LOCATION`") };
    if (*version > latestSchemaVersion())
        return Error { QStringLiteral("%1: its schema version %2 is newer than this Reprise knows (%3)")
                           .arg(conn.name())
                           .arg(*version)
                           .arg(latestSchemaVersion()),
            QStringLiteral("update Reprise to use this team store") };
    if (*version < latestSchemaVersion())
        return Error { QStringLiteral("%1: its schema version %2 is older than this Reprise's (%3)")
                           .arg(conn.name())
                           .arg(*version)
                           .arg(latestSchemaVersion()),
            QStringLiteral("an administrator migrates it with `reprise team init LOCATION`") };
    return *version;
}

} // namespace reprise
