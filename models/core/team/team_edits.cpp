#include "team/team_edits.h"

#include "team/pg_connection.h"

namespace reprise {

namespace {
    /// The runs the connected login added, as the store recorded them when they were inserted.
    const char* const kOwnedRunIds = "SELECT run_id FROM reprise_meta.run_owners WHERE login = session_user";
}

Status applyTeamRunEdits(const QString& location, const QList<RunEdit>& edits)
{
    auto team = PgConnection::connect(location);
    if (!team)
        return team.error();
    return inPgTransaction(*team, [&]() -> Status {
        for (const RunEdit& edit : edits) {
            const QByteArray uuid = edit.runId.toUtf8();
            // Row-level security hides others' runs from UPDATE, but not from the tables' owner, a
            // superuser or a BYPASSRLS role: ownership is checked here too, so every login changes only
            // the runs it added. No row back means not ours (or gone).
            auto mine = team->query(QStringLiteral("UPDATE reprise.runs SET id = id WHERE uuid = $1 AND id IN "
                                                   "(%1) RETURNING id")
                                        .arg(QLatin1String(kOwnedRunIds)),
                { uuid });
            if (!mine)
                return mine.error();
            if (mine->rows() == 0) {
                auto exists = team->query(QStringLiteral("SELECT 1 FROM reprise.runs WHERE uuid = $1"), { uuid });
                if (!exists)
                    return exists.error();
                if (exists->rows() == 0)
                    return Error {
                        QStringLiteral("%1: run %2 is not there any more").arg(team->name(), edit.runId.left(8)),
                        QStringLiteral("reload the source (View ▸ Reload)")
                    };
                return Error { QStringLiteral("%1: run %2 belongs to another login, so %3 cannot change it")
                                   .arg(team->name(), edit.runId.left(8), team->login()),
                    QStringLiteral("only the login that synced a run changes it; import or rerun it into your "
                                   "own database to keep your own notes") };
            }
            const QByteArray id = mine->bytes(0, 0);
            const QByteArray value = edit.value.value_or(QString()).toUtf8();
            Status status = success();
            switch (edit.field) {
            case RunEdit::Field::Name:
                status = team->exec(QStringLiteral("UPDATE reprise.runs SET name = $2 WHERE id = $1"), { id, value });
                break;
            case RunEdit::Field::Starred:
                status
                    = team->exec(QStringLiteral("UPDATE reprise.runs SET starred = $2 WHERE id = $1"), { id, value });
                break;
            case RunEdit::Field::Archived:
                status
                    = team->exec(QStringLiteral("UPDATE reprise.runs SET archived = $2 WHERE id = $1"), { id, value });
                break;
            case RunEdit::Field::Notes:
                status = team->exec(QStringLiteral("UPDATE reprise.runs SET notes = $2 WHERE id = $1"), { id, value });
                break;
            case RunEdit::Field::Tag:
                status = edit.value
                    ? team->exec(QStringLiteral("INSERT INTO reprise.tags (run_id, key, value) VALUES ($1, $2, $3) "
                                                "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"),
                        { id, edit.tagKey.toUtf8(), value })
                    : team->exec(QStringLiteral("DELETE FROM reprise.tags WHERE run_id = $1 AND key = $2"),
                        { id, edit.tagKey.toUtf8() });
                break;
            }
            if (!status)
                return status;
        }
        return success();
    });
}

Result<bool> ownsTeamRun(const QString& location, const QString& runUuid)
{
    auto team = PgConnection::connect(location);
    if (!team)
        return team.error();
    auto owned = team->query(QStringLiteral("SELECT EXISTS (SELECT 1 FROM reprise.runs WHERE uuid = $1 AND id IN (%1))")
                                 .arg(QLatin1String(kOwnedRunIds)),
        { runUuid.toUtf8() });
    if (!owned)
        return owned.error();
    return owned->bytes(0, 0) == "t";
}

} // namespace reprise
