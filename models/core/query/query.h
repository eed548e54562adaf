#pragma once

#include "result.h"
#include "store/run_table.h"

#include <memory>
#include <vector>

namespace reprise {

namespace query_detail {
    struct Node;
}

/// A parsed run filter such as `lr < 0.01 and status = finished and tag.team = vision`.
///
/// Grammar (case-insensitive keywords):
///   expr       := term ('or' term)*
///   term       := factor ('and' factor)*
///   factor     := 'not' factor | '(' expr ')' | comparison
///   comparison := field op value
///   field      := attribute | 'param.'KEY | 'metric.'KEY | 'tag.'KEY | KEY (a bare key is a param)
///   op         := = | == | != | < | <= | > | >= | ~ (regex, case-insensitive) | !~
///   value      := number | date (2026-01-31, 2026-01-31T12:00) | duration (90s, 5m, 1h30m, 2d)
///                 | "quoted string" | bareword
/// Attributes: id name project status kind user host commit branch parent started ended duration dirty
/// source (in a table over several sources: a run matches if one of the sources holding it does;
/// with != and !~ if all of them do).
/// Numbers compare numerically when both sides are numbers, otherwise values compare as text;
/// a value that is not a number never satisfies < <= > >= against a number.
/// A run without the field never matches a comparison on it (use `not` to include it).
class Query {
public:
    Query();
    /// Parses `text`; an error names the position (Error::position) and how to fix it.
    static Result<Query> parse(const QString& text);

    bool isEmpty() const { return !m_root; }
    /// The dynamic columns the expression reads, so a loader can fetch only those.
    RunTableColumns columns() const;
    /// Rows of `table` that match, ascending. `now` (epoch seconds) is the end of running runs.
    std::vector<std::int32_t> filter(const RunTable& table, double now) const;

private:
    std::shared_ptr<const query_detail::Node> m_root;
    RunTableColumns m_columns;
};

/// Formats a parse error for a terminal: the message, the expression with a caret under the
/// position, and the hint.
QString formatQueryError(const QString& text, const Error& error);

} // namespace reprise
