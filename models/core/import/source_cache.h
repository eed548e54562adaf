#pragma once

#include "import/source_import.h"

namespace reprise {

/// Another tracker's data opened directly (not imported into the user's database) is read into a
/// cache database of its own, ~/.cache/reprise/sources/<id>.db ($XDG_CACHE_HOME respected), which
/// the window shows read-only. The cache is rebuilt when the source changes (size or modification
/// time of its files) and replaced atomically, so a reader never sees half of it.
struct CachedSource {
    QString source; ///< the path the user opened
    QString cache; ///< the Reprise database holding its runs
    SourceKind kind = SourceKind::Unknown;
    bool rebuilt = false; ///< false when the cache was already up to date
    bool summaryOnly = false; ///< a quick first cache: latest metric values, no histories
    ImportSummary summary; ///< of the rebuild (empty when not rebuilt)
};

/// Where the cache of `source` lives (whether or not it exists yet); a summary cache lives apart.
QString sourceCachePath(const QString& source, bool summary = false);

/// Whether the full cache of `source` exists and matches the source as it is now.
bool isSourceCacheFresh(const QString& source);

/// Whether a summary cache is worth building first: an MLflow database (it keeps each metric's
/// latest value apart, so a run table comes in a fraction of the full import's time).
bool hasQuickSummary(SourceKind kind);

/// A signature of the source's content: its files' paths, sizes and modification times.
QString sourceSignature(const QString& source);

/// How much of a source to read when its cache is out of date.
enum class CacheDepth {
    Full, ///< every history
    SummaryFirst, ///< a summary cache when the kind has one (hasQuickSummary) and the full one is stale
};

/// Brings the cache of `source` up to date, reading the source only when its signature changed.
/// An up-to-date full cache is always returned as it is. `kind` saves the detection when the caller
/// already knows it (Unknown: detect).
Result<CachedSource> refreshSourceCache(const QString& source, const ReadControl& control,
    CacheDepth depth = CacheDepth::Full, SourceKind kind = SourceKind::Unknown);

} // namespace reprise
