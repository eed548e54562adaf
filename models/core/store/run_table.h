#pragma once

#include "result.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <limits>
#include <vector>

namespace reprise {

class Database;

/// A dictionary-encoded text column: one code per row into `dict`, -1 where the row has no value.
/// Runs repeat the same few values (status, project, lr = 0.01), so this is far smaller than one
/// string per row.
struct TextColumn {
    std::vector<std::int32_t> codes;
    QStringList dict;
    /// Position of each dictionary entry in case-insensitive order (empty until computed), so
    /// sorting rows by this column compares integers.
    std::vector<std::int32_t> sortRanks;

    bool has(size_t row) const { return codes[row] >= 0; }
    QString at(size_t row) const { return codes[row] >= 0 ? dict[codes[row]] : QString(); }
    void appendMissing() { codes.push_back(-1); }
    /// Fills sortRanks. O(d log d) for d distinct values; the loader does it off the GUI thread.
    void computeSortRanks();
};

/// A param or tag: text per row plus the numeric reading of each dictionary entry (NaN if none),
/// so numeric comparison and sorting need no parsing per row.
struct ValueColumn {
    QString key;
    TextColumn text;
    std::vector<double> dictNumbers; ///< parallel to text.dict

    double number(size_t row) const
    {
        const auto c = text.codes[row];
        return c >= 0 ? dictNumbers[size_t(c)] : std::numeric_limits<double>::quiet_NaN();
    }
};

/// Latest value of one metric per row; `present` distinguishes "never logged" from a NaN value.
struct NumberColumn {
    QString key;
    std::vector<double> values;
    std::vector<std::uint8_t> present;
};

/// Columnar snapshot of the runs of one database, for the run browser and `reprise ls`.
/// Immutable once loaded; safe to hand between threads.
struct RunTable {
    std::vector<QString> uuids;
    TextColumn projects;
    TextColumn names;
    TextColumn statuses;
    TextColumn kinds;
    TextColumn users;
    TextColumn hosts;
    TextColumn commits;
    TextColumn branches;
    TextColumn parents; ///< parent uuid
    std::vector<double> startTimes;
    std::vector<double> endTimes; ///< NaN while running
    std::vector<std::uint8_t> dirty;
    std::vector<std::uint8_t> starred;
    std::vector<std::uint8_t> archived; ///< hidden by the browser unless asked for

    std::vector<ValueColumn> params; ///< sorted by key
    std::vector<NumberColumn> metrics; ///< sorted by key
    std::vector<ValueColumn> tags; ///< sorted by key

    /// Where each run is, in a table over several sources (empty, no codes, in one database's
    /// table): the names of the sources holding the run, joined with ", ", for the Source column.
    /// Per dictionary entry, `sourceNames` lists those names and `sourcePaths` is the database the
    /// run's records are read from (the first of them).
    TextColumn sources;
    std::vector<QStringList> sourceNames;
    std::vector<QString> sourcePaths;
    /// In one database's table: that source's name as the sources panel shows it, what `source` in a
    /// filter matches every run against (empty when the reader was not told it: nothing matches).
    QString soleSourceName;

    size_t rowCount() const { return uuids.size(); }
    bool spansSources() const { return !sources.codes.empty(); }
    /// The database the records of `row` are read from; empty in one database's table.
    QString sourcePath(size_t row) const;
    /// sourcePath() of the runs `ids` (full ids), in their order; empty for an id not in the table.
    QStringList sourcePathsOf(const QStringList& ids) const;
    /// Seconds from start to end, or to `now` for a run still running.
    double duration(size_t row, double now) const;

    const ValueColumn* param(const QString& key) const;
    const NumberColumn* metric(const QString& key) const;
    const ValueColumn* tag(const QString& key) const;
};

/// Which dynamic columns to load; empty lists with `all*` false load none of that kind.
struct RunTableColumns {
    bool allParams = true;
    bool allMetrics = true;
    bool allTags = true;
    QStringList params;
    QStringList metrics;
    QStringList tags;
    /// Only these runs (uuids), to bring a few changed runs of a table shown up to date
    /// (patchRunTable in run_table_union.h); empty: every run.
    QStringList onlyRuns;
};

/// Loads the runs of `db` ordered by start time, newest first. Pure I/O; call it off the GUI thread.
Result<RunTable> loadRunTable(const Database& db, const RunTableColumns& columns = {});

} // namespace reprise
