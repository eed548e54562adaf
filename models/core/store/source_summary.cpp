#include "store/source_summary.h"

#include "store/database.h"
#include "store/offered_run_table.h"

#include <QFileInfo>

namespace reprise {

int SourceSummary::runs() const
{
    int total = 0;
    for (int n : projects)
        total += n;
    return total;
}

Result<SourceSummary> loadSourceSummary(const QString& path)
{
    if (auto offered = offeredRunTable(path)) {
        // Its file is still being made (a team store's copy): counted from the table shown.
        SourceSummary summary;
        summary.readOnly = true;
        for (size_t r = 0; r < offered->rowCount(); ++r)
            ++summary.projects[offered->projects.at(r)];
        return summary;
    }
    auto db = Database::open(path, OpenMode::ReadOnly);
    if (!db)
        return db.error();
    SourceSummary summary;
    const QFileInfo file(path);
    summary.readOnly = (*db)->schemaVersion() > latestSchemaVersion() || !file.isWritable()
        || !QFileInfo(file.absolutePath()).isWritable();
    auto s = (*db)->prepare("SELECT p.name, count(r.id) FROM projects p LEFT JOIN runs r ON r.project_id = p.id "
                            "GROUP BY p.id ORDER BY p.name");
    if (!s)
        return s.error();
    if (int rc = s->forEachRow([&] { summary.projects.insert(s->text(0), int(s->int64(1))); }); rc != SQLITE_DONE)
        return (*db)->sqliteError(rc, QStringLiteral("reading the projects"));
    return summary;
}

} // namespace reprise
