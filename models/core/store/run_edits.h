#pragma once

#include "result.h"

#include <QList>
#include <QString>
#include <optional>

namespace reprise {

/// One change a person makes to a run from the GUI. A list of them is what an undo step writes
/// (and its inverse what undoing writes).
struct RunEdit {
    enum class Field { Name, Starred, Archived, Notes, Tag };
    QString runId; ///< uuid
    Field field = Field::Name;
    QString tagKey; ///< for Field::Tag
    /// The new value: text for Name/Notes/Tag ("1"/"0" for the flags); no value removes a tag.
    std::optional<QString> value;

    bool operator==(const RunEdit&) const = default;
};

/// Writes `edits` to the run database at `path` in one go (opened read-write: a read-only file,
/// a newer schema or an unknown run is an error naming it, and nothing is written). Blocking I/O:
/// call it off the GUI thread.
Status applyRunEdits(const QString& path, const QList<RunEdit>& edits);

} // namespace reprise
