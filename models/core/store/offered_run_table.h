#pragma once

#include "store/run_table.h"

#include <QString>
#include <memory>

namespace reprise {

/// A table read elsewhere for the database at `path` before the file exists: a team store read
/// straight from its server while its local copy is being made. loadRunTableAt() and
/// loadSourceSummary() give it until the file is there (then it is dropped). Any thread.
/// `partOf` > 0: the table holds only the newest runs of that many (the whole table is offered
/// in its place when read).
void offerRunTable(const QString& path, std::shared_ptr<const RunTable> table, qint64 partOf = 0);
/// The table offered for `path` while its file does not exist, else null; with `partOf`, what it
/// was offered with.
std::shared_ptr<const RunTable> offeredRunTable(const QString& path, qint64* partOf = nullptr);

} // namespace reprise
