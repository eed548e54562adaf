#include "run_table_model.h"

#include "store/run_format.h"
#include "text/display_text.h"

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

namespace reprise {

namespace {

    QString singleLine(const QString& text)
    {
        // Names and values are shown as one plain, bounded line whatever they contain: control,
        // bidirectional and invisible characters as visible escapes, then cut (never inside a
        // surrogate pair).
        qsizetype take = std::min<qsizetype>(text.size(), RunTableModel::kMaxCellLength);
        if (take < text.size() && text[take - 1].isHighSurrogate())
            --take;
        QString shown = visibleText(QStringView(text).left(take));
        if (take < text.size() || shown.size() > RunTableModel::kMaxCellLength) {
            qsizetype cut = std::min<qsizetype>(shown.size(), RunTableModel::kMaxCellLength - 1);
            if (cut > 0 && shown[cut - 1].isHighSurrogate())
                --cut;
            shown = shown.left(cut) + QChar(0x2026);
        }
        return shown;
    }

    bool isAsciiDigit(QChar c) { return c >= u'0' && c <= u'9'; }

    /// The digits of `s` from `i` on, without leading zeros; `i` moves past them.
    QStringView digitRun(const QString& s, qsizetype& i)
    {
        while (i + 1 < s.size() && s[i] == u'0' && isAsciiDigit(s[i + 1]))
            ++i;
        const qsizetype start = i;
        while (i < s.size() && isAsciiDigit(s[i]))
            ++i;
        return QStringView(s).mid(start, i - start);
    }

    /// Params then metrics of `t`, each in natural key order, as indices into params (then metrics
    /// after the params).
    std::vector<std::int32_t> naturalOrder(const RunTable& t)
    {
        const auto params = std::int32_t(t.params.size()), metrics = std::int32_t(t.metrics.size());
        std::vector<std::int32_t> order(size_t(params + metrics));
        std::iota(order.begin(), order.end(), 0);
        auto key = [&](std::int32_t i) -> const QString& {
            return i < params ? t.params[size_t(i)].key : t.metrics[size_t(i - params)].key;
        };
        auto less = [&](std::int32_t a, std::int32_t b) { return RunTableModel::naturalKeyLess(key(a), key(b)); };
        std::stable_sort(order.begin(), order.begin() + params, less);
        std::stable_sort(order.begin() + params, order.end(), less);
        return order;
    }

} // namespace

bool RunTableModel::naturalKeyLess(const QString& a, const QString& b)
{
    qsizetype i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (isAsciiDigit(a[i]) && isAsciiDigit(b[j])) {
            // Equal-length digit runs without leading zeros order as their text does.
            const QStringView x = digitRun(a, i), y = digitRun(b, j);
            if (x.size() != y.size())
                return x.size() < y.size();
            if (const int c = x.compare(y); c != 0)
                return c < 0;
            continue;
        }
        if (a[i] != b[j])
            return a[i] < b[j];
        ++i;
        ++j;
    }
    if (i < a.size() || j < b.size())
        return j < b.size(); // the shorter one, once equal so far, first
    return a < b; // "a01" and "a1": an order all the same
}

void RunTableModel::orderColumns()
{
    if (m_table)
        m_order = naturalOrder(*m_table);
    else
        m_order.clear();
}

RunTableModel::RunTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RunTableModel::setRuns(std::shared_ptr<const RunTable> table, double now)
{
    beginResetModel();
    m_table = std::move(table);
    orderColumns();
    m_now = now;
    ++m_generation;
    mapExtraValues();
    endResetModel();
}

int RunTableModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() || !m_table)
        return 0;
    return m_mapped ? int(m_rows.size()) : int(m_table->rowCount());
}

int RunTableModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return dynamicColumnCount() + (m_extraTitle.isEmpty() ? 0 : 1);
}

int RunTableModel::dynamicIndex(int column) const
{
    if (!m_table || column < FixedColumnCount || column >= dynamicColumnCount())
        return -1;
    const int dynamic = column - FixedColumnCount;
    return m_order[size_t(m_mapped ? m_columns[size_t(dynamic)] : dynamic)];
}

bool RunTableModel::isParamColumn(int column) const
{
    const int d = dynamicIndex(column);
    return d >= 0 && d < int(m_table->params.size());
}

bool RunTableModel::isMetricColumn(int column) const
{
    return dynamicIndex(column) >= int(m_table ? m_table->params.size() : 0);
}

int RunTableModel::dynamicColumnCount() const
{
    if (!m_table)
        return FixedColumnCount;
    return FixedColumnCount
        + (m_mapped ? int(m_columns.size()) : int(m_table->params.size() + m_table->metrics.size()));
}

bool RunTableModel::isExtraColumn(int column) const
{
    return !m_extraTitle.isEmpty() && column == dynamicColumnCount();
}

double RunTableModel::metricValue(const NumberColumn& column, size_t row, bool& present) const
{
    const auto reading = m_readings.constFind(column.key);
    if (reading == m_readings.constEnd()) {
        present = column.present[row] != 0;
        return column.values[row];
    }
    const auto it = reading->byRun.constFind(m_table->uuids[row]);
    present = it != reading->byRun.constEnd();
    return present ? *it : std::numeric_limits<double>::quiet_NaN();
}

void RunTableModel::setMetricReading(const QString& key, const QString& label, const QHash<QString, double>& values)
{
    if (label.isEmpty())
        m_readings.remove(key);
    else
        m_readings.insert(key, Reading { label, values });
    ++m_generation; // sort keys change without a new snapshot
    for (int c = 0; c < columnCount(); ++c) {
        if (isMetricColumn(c) && columnKey(c) == key) {
            Q_EMIT headerDataChanged(Qt::Horizontal, c, c);
            if (rowCount() > 0)
                Q_EMIT dataChanged(index(0, c), index(rowCount() - 1, c));
        }
    }
}

void RunTableModel::mapExtraValues()
{
    m_extra.assign(m_table ? m_table->rowCount() : 0, std::numeric_limits<double>::quiet_NaN());
    if (!m_table || m_extraByRun.isEmpty())
        return;
    for (size_t row = 0; row < m_table->rowCount(); ++row) {
        const auto it = m_extraByRun.constFind(m_table->uuids[row]);
        if (it != m_extraByRun.constEnd())
            m_extra[row] = *it;
    }
}

void RunTableModel::setExtraColumn(const QString& title, const QHash<QString, double>& values)
{
    const bool adding = m_extraTitle.isEmpty();
    const int column = dynamicColumnCount();
    if (adding)
        beginInsertColumns({}, column, column);
    m_extraTitle = title;
    m_extraByRun = values;
    ++m_generation;
    mapExtraValues();
    if (adding) {
        endInsertColumns();
    } else {
        Q_EMIT headerDataChanged(Qt::Horizontal, column, column);
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0, column), index(rowCount() - 1, column));
    }
}

namespace {

    bool sameNumber(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

    /// Compares one text column of two snapshots row by row. Each snapshot has its own dictionary,
    /// so the old code -> new code translation is learnt as rows are compared: at most one string
    /// comparison per distinct old value, plus one per changed row.
    class TextDiff {
    public:
        TextDiff(const TextColumn* before, const TextColumn* after)
            : m_before(before)
            , m_after(after)
        {
            if (before)
                m_translation.assign(size_t(before->dict.size()), -1);
        }
        bool same(size_t o, size_t n)
        {
            const std::int32_t oc = m_before ? m_before->codes[o] : -1;
            const std::int32_t nc = m_after ? m_after->codes[n] : -1;
            if (oc < 0 || nc < 0)
                return oc < 0 && nc < 0;
            std::int32_t& known = m_translation[size_t(oc)];
            if (known >= 0)
                return known == nc;
            if (m_before->dict[oc] != m_after->dict[nc])
                return false;
            known = nc;
            return true;
        }

    private:
        const TextColumn* m_before;
        const TextColumn* m_after;
        std::vector<std::int32_t> m_translation;
    };

    class NumberDiff {
    public:
        NumberDiff(const NumberColumn* before, const NumberColumn* after)
            : m_before(before)
            , m_after(after)
        {
        }
        bool same(size_t o, size_t n) const
        {
            const bool a = m_before && m_before->present[o];
            const bool b = m_after && m_after->present[n];
            return a == b && (!a || sameNumber(m_before->values[o], m_after->values[n]));
        }

    private:
        const NumberColumn* m_before;
        const NumberColumn* m_after;
    };

    /// Pairs keyed columns (params, tags, metrics) of two snapshots by key; a key on one side only
    /// is paired with nothing, so a row changes if it has a value there.
    template <typename Column, typename Diff>
    void pairByKey(const std::vector<Column>& before, const std::vector<Column>& after, std::vector<Diff>& out)
    {
        QHash<QString, size_t> afterByKey;
        for (size_t i = 0; i < after.size(); ++i)
            afterByKey.insert(after[i].key, i);
        std::vector<std::uint8_t> paired(after.size(), 0);
        auto make = [](const Column* a, const Column* b) {
            if constexpr (std::is_same_v<Column, NumberColumn>)
                return Diff(a, b);
            else
                return Diff(a ? &a->text : nullptr, b ? &b->text : nullptr);
        };
        for (const Column& column : before) {
            const auto it = afterByKey.constFind(column.key);
            if (it == afterByKey.constEnd()) {
                out.push_back(make(&column, nullptr));
            } else {
                paired[*it] = 1;
                out.push_back(make(&column, &after[*it]));
            }
        }
        for (size_t i = 0; i < after.size(); ++i) {
            if (!paired[i])
                out.push_back(make(nullptr, &after[i]));
        }
    }

    /// Marks in `differs` (per new row) the kept runs with another value in any field, shown or
    /// not (the filter reads tags, users and commits too).
    void compareRows(const RunTable& a, const RunTable& b,
        const std::vector<std::pair<std::int32_t, std::int32_t>>& kept, std::vector<std::uint8_t>& differs)
    {
        auto pass = [&](auto&& same) {
            for (const auto& [o, n] : kept) {
                if (!same(size_t(o), size_t(n)))
                    differs[size_t(n)] = 1;
            }
        };
        pass([&](size_t o, size_t n) { return sameNumber(a.startTimes[o], b.startTimes[n]); });
        pass([&](size_t o, size_t n) { return sameNumber(a.endTimes[o], b.endTimes[n]); });
        pass([&](size_t o, size_t n) {
            return a.dirty[o] == b.dirty[n] && a.starred[o] == b.starred[n] && a.archived[o] == b.archived[n];
        });
        std::vector<TextDiff> text;
        for (auto member : { &RunTable::projects, &RunTable::names, &RunTable::statuses, &RunTable::kinds,
                 &RunTable::users, &RunTable::hosts, &RunTable::commits, &RunTable::branches, &RunTable::parents })
            text.emplace_back(&(a.*member), &(b.*member));
        // A run now also held by another source (synced to a team store) names it in its Source cell.
        text.emplace_back(a.spansSources() ? &a.sources : nullptr, b.spansSources() ? &b.sources : nullptr);
        pairByKey(a.params, b.params, text);
        pairByKey(a.tags, b.tags, text);
        std::vector<NumberDiff> numbers;
        pairByKey(a.metrics, b.metrics, numbers);
        for (TextDiff& d : text)
            pass([&](size_t o, size_t n) { return d.same(o, n); });
        for (const NumberDiff& d : numbers)
            pass([&](size_t o, size_t n) { return d.same(o, n); });
    }

    /// Dynamic column keys as the model orders them: params, then metrics, in natural order.
    QStringList dynamicKeys(const RunTable& t)
    {
        QStringList keys;
        keys.reserve(qsizetype(t.params.size() + t.metrics.size()));
        for (const std::int32_t i : naturalOrder(t)) {
            keys << (size_t(i) < t.params.size() ? QStringLiteral("p:") + t.params[size_t(i)].key
                                                 : QStringLiteral("m:") + t.metrics[size_t(i) - t.params.size()].key);
        }
        return keys;
    }

    /// Contiguous runs of `value` in `flags`, as [first, last] pairs, ascending.
    template <typename Pred> std::vector<std::pair<int, int>> ranges(size_t n, Pred&& pred)
    {
        std::vector<std::pair<int, int>> out;
        for (size_t i = 0; i < n; ++i) {
            if (!pred(i))
                continue;
            if (!out.empty() && out.back().second == int(i) - 1)
                out.back().second = int(i);
            else
                out.emplace_back(int(i), int(i));
        }
        return out;
    }

} // namespace

RunTableMerge RunTableModel::diff(std::shared_ptr<const RunTable> before, std::shared_ptr<const RunTable> after)
{
    static const RunTable empty;
    RunTableMerge m;
    m.before = std::move(before);
    m.after = std::move(after);
    const RunTable& a = m.before ? *m.before : empty;
    const RunTable& b = m.after ? *m.after : empty;
    const size_t n0 = a.rowCount(), n1 = b.rowCount();
    m.oldToNew.assign(n0, -1);
    m.newToOld.assign(n1, -1);
    // A refresh mostly adds runs at one end: match the common prefix and suffix directly and hash
    // only what is left between them.
    size_t prefix = 0;
    while (prefix < n0 && prefix < n1 && a.uuids[prefix] == b.uuids[prefix]) {
        m.oldToNew[prefix] = m.newToOld[prefix] = std::int32_t(prefix);
        ++prefix;
    }
    size_t suffix = 0;
    while (suffix < n0 - prefix && suffix < n1 - prefix && a.uuids[n0 - 1 - suffix] == b.uuids[n1 - 1 - suffix]) {
        m.oldToNew[n0 - 1 - suffix] = std::int32_t(n1 - 1 - suffix);
        m.newToOld[n1 - 1 - suffix] = std::int32_t(n0 - 1 - suffix);
        ++suffix;
    }
    if (prefix + suffix < n0 && prefix + suffix < n1) {
        QHash<QString, std::int32_t> oldRows;
        oldRows.reserve(qsizetype(n0 - prefix - suffix));
        for (size_t o = prefix; o < n0 - suffix; ++o)
            oldRows.insert(a.uuids[o], std::int32_t(o));
        for (size_t n = prefix; n < n1 - suffix; ++n) {
            const auto it = oldRows.constFind(b.uuids[n]);
            if (it != oldRows.constEnd() && m.oldToNew[size_t(*it)] < 0) {
                m.oldToNew[size_t(*it)] = std::int32_t(n);
                m.newToOld[n] = *it;
            }
        }
    }
    std::int32_t lastKept = -1;
    for (std::int32_t o : m.newToOld) {
        if (o >= 0) {
            m.reordered = m.reordered || o < lastKept;
            lastKept = o;
        }
    }

    // Columns: kept ones must keep their relative order (both sides are sorted by key); one that
    // does not is removed and added again.
    const QStringList oldKeys = dynamicKeys(a), newKeys = dynamicKeys(b);
    QHash<QString, std::int32_t> newColumns;
    for (qsizetype i = 0; i < newKeys.size(); ++i)
        newColumns.insert(newKeys[i], std::int32_t(i));
    m.oldColumnToNew.assign(size_t(oldKeys.size()), -1);
    m.newColumnToOld.assign(size_t(newKeys.size()), -1);
    std::int32_t lastColumn = -1;
    for (qsizetype i = 0; i < oldKeys.size(); ++i) {
        const std::int32_t j = newColumns.value(oldKeys[i], -1);
        if (j > lastColumn) {
            m.oldColumnToNew[size_t(i)] = j;
            m.newColumnToOld[size_t(j)] = std::int32_t(i);
            lastColumn = j;
        }
    }

    if (n0 > 0 && n1 > 0) {
        // Column by column: each pass streams through two arrays, where row by row would jump
        // between dozens of them.
        std::vector<std::uint8_t> differs(n1, 0);
        std::vector<std::pair<std::int32_t, std::int32_t>> kept; // (old row, new row)
        kept.reserve(std::min(n0, n1));
        for (size_t n = 0; n < n1; ++n) {
            if (m.newToOld[n] >= 0)
                kept.emplace_back(m.newToOld[n], std::int32_t(n));
        }
        compareRows(a, b, kept, differs);
        for (size_t n = 0; n < n1; ++n) {
            if (differs[n])
                m.changed.push_back(std::int32_t(n));
        }
    }
    return m;
}

void RunTableModel::mergeRuns(std::shared_ptr<const RunTable> table, double now)
{
    mergeRuns(diff(m_table, std::move(table)), now);
}

void RunTableModel::mergeRuns(RunTableMerge merge, double now)
{
    if (merge.before != m_table)
        merge = diff(m_table, std::move(merge.after));
    Q_EMIT runsAboutToBeMerged();
    const size_t n0 = merge.oldToNew.size(), n1 = merge.newToOld.size();

    // Signalled on the old snapshot through row and column maps, then on the new one, so that at
    // every signal the model shows exactly the state the signals so far describe.
    m_mapped = true;
    m_rows.resize(n0);
    std::iota(m_rows.begin(), m_rows.end(), 0);
    m_columns.resize(merge.oldColumnToNew.size());
    std::iota(m_columns.begin(), m_columns.end(), 0);

    const auto removedColumns
        = ranges(merge.oldColumnToNew.size(), [&](size_t i) { return merge.oldColumnToNew[i] < 0; });
    for (auto it = removedColumns.rbegin(); it != removedColumns.rend(); ++it) {
        beginRemoveColumns({}, FixedColumnCount + it->first, FixedColumnCount + it->second);
        m_columns.erase(m_columns.begin() + it->first, m_columns.begin() + it->second + 1);
        endRemoveColumns();
    }

    const auto removedRows = ranges(n0, [&](size_t i) { return merge.oldToNew[i] < 0; });
    const bool layoutRemoval = removedRows.size() > size_t(kMaxMergeRanges);
    if (merge.reordered || layoutRemoval) {
        // One layout change: kept runs in their new order, then (for one contiguous removal) the
        // runs that go, in their old order.
        Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        const QModelIndexList from = persistentIndexList();
        std::vector<std::int32_t> order; // new model row -> old model row (== old snapshot row here)
        order.reserve(n0);
        for (std::int32_t o : merge.newToOld) {
            if (o >= 0)
                order.push_back(o);
        }
        for (size_t o = 0; o < n0; ++o) {
            if (merge.oldToNew[o] < 0)
                order.push_back(std::int32_t(o));
        }
        std::vector<std::int32_t> position(n0, -1);
        for (size_t i = 0; i < order.size(); ++i)
            position[size_t(order[i])] = std::int32_t(i);
        QModelIndexList to;
        to.reserve(from.size());
        for (const QModelIndex& index : from)
            to << createIndex(position[size_t(m_rows[size_t(index.row())])], index.column());
        m_rows = order;
        changePersistentIndexList(from, to);
        Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
        const int kept
            = int(std::count_if(merge.oldToNew.begin(), merge.oldToNew.end(), [](std::int32_t n) { return n >= 0; }));
        if (kept < int(m_rows.size())) {
            beginRemoveRows({}, kept, int(m_rows.size()) - 1);
            m_rows.resize(size_t(kept));
            endRemoveRows();
        }
    } else {
        for (auto it = removedRows.rbegin(); it != removedRows.rend(); ++it) {
            beginRemoveRows({}, it->first, it->second);
            m_rows.erase(m_rows.begin() + it->first, m_rows.begin() + it->second + 1);
            endRemoveRows();
        }
    }

    // Now the new snapshot, kept runs and kept columns only; values that changed are signalled.
    std::vector<std::int32_t> modelRowOfNew(n1, -1);
    m_rows.clear();
    for (size_t n = 0; n < n1; ++n) {
        if (merge.newToOld[n] >= 0) {
            modelRowOfNew[n] = std::int32_t(m_rows.size());
            m_rows.push_back(std::int32_t(n));
        }
    }
    m_columns.clear();
    for (size_t j = 0; j < merge.newColumnToOld.size(); ++j) {
        if (merge.newColumnToOld[j] >= 0)
            m_columns.push_back(std::int32_t(j));
    }
    std::vector<double> extra(n1, std::numeric_limits<double>::quiet_NaN());
    if (!m_extraByRun.isEmpty()) {
        for (size_t n = 0; n < n1; ++n) {
            const std::int32_t o = merge.newToOld[n];
            if (o >= 0 && size_t(o) < m_extra.size()) {
                extra[n] = m_extra[size_t(o)];
            } else {
                const auto it = m_extraByRun.constFind(merge.after->uuids[n]);
                if (it != m_extraByRun.constEnd())
                    extra[n] = *it;
            }
        }
    }
    int firstChanged = int(m_rows.size()), lastChanged = -1;
    for (std::int32_t n : merge.changed) {
        firstChanged = std::min(firstChanged, modelRowOfNew[size_t(n)]);
        lastChanged = std::max(lastChanged, modelRowOfNew[size_t(n)]);
    }
    if (now != m_now && merge.after) {
        // Running runs' durations grow with `now`.
        for (size_t n = 0; n < n1; ++n) {
            if (modelRowOfNew[n] >= 0 && std::isnan(merge.after->endTimes[n])) {
                firstChanged = std::min(firstChanged, modelRowOfNew[n]);
                lastChanged = std::max(lastChanged, modelRowOfNew[n]);
            }
        }
    }
    m_table = merge.after;
    orderColumns();
    m_extra = std::move(extra);
    m_now = now;
    ++m_generation;
    if (lastChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, columnCount() - 1));

    const auto addedRows = ranges(n1, [&](size_t i) { return merge.newToOld[i] < 0; });
    if (addedRows.size() > size_t(kMaxMergeRanges)) {
        // One insert at the end, then one layout change that moves the new runs into place.
        const int kept = int(m_rows.size());
        beginInsertRows({}, kept, int(n1) - 1);
        for (size_t n = 0; n < n1; ++n) {
            if (merge.newToOld[n] < 0) {
                modelRowOfNew[n] = std::int32_t(m_rows.size());
                m_rows.push_back(std::int32_t(n));
            }
        }
        endInsertRows();
        Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        const QModelIndexList from = persistentIndexList();
        QModelIndexList to;
        to.reserve(from.size());
        for (const QModelIndex& index : from)
            to << createIndex(m_rows[size_t(index.row())], index.column());
        std::iota(m_rows.begin(), m_rows.end(), 0);
        changePersistentIndexList(from, to);
        Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
    } else {
        for (const auto& [first, last] : addedRows) {
            beginInsertRows({}, first, last);
            std::vector<std::int32_t> added(size_t(last - first + 1));
            std::iota(added.begin(), added.end(), first);
            m_rows.insert(m_rows.begin() + first, added.begin(), added.end());
            endInsertRows();
        }
    }

    const auto addedColumns
        = ranges(merge.newColumnToOld.size(), [&](size_t i) { return merge.newColumnToOld[i] < 0; });
    for (const auto& [first, last] : addedColumns) {
        beginInsertColumns({}, FixedColumnCount + first, FixedColumnCount + last);
        std::vector<std::int32_t> added(size_t(last - first + 1));
        std::iota(added.begin(), added.end(), first);
        m_columns.insert(m_columns.begin() + first, added.begin(), added.end());
        endInsertColumns();
    }

    m_mapped = false;
    m_rows.clear();
    m_rows.shrink_to_fit();
    m_columns.clear();
    Q_EMIT runsMerged();
}

QString RunTableModel::columnKey(int column) const
{
    const int d = dynamicIndex(column);
    if (d < 0)
        return {};
    const size_t params = m_table->params.size();
    return size_t(d) < params ? m_table->params[size_t(d)].key : m_table->metrics[size_t(d) - params].key;
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == NameColumn)
        f |= Qt::ItemIsEditable; // renaming in place (F2); written by whoever handles renameRequested
    return f;
}

bool RunTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    // The model never writes the database: it passes the request on and keeps showing the snapshot
    // until the source reloads with the new name.
    if (!m_table || role != Qt::EditRole || index.column() != NameColumn || index.row() >= rowCount())
        return false;
    const QString name = value.toString().trimmed();
    const auto row = size_t(tableRow(index.row()));
    if (name != m_table->names.at(row))
        Q_EMIT renameRequested(m_table->uuids[row], name);
    return false;
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const
{
    if (!m_table || !index.isValid() || index.row() >= rowCount())
        return {};
    const auto row = size_t(tableRow(index.row()));
    const int column = index.column();
    const RunTable& t = *m_table;
    if (role == RunIdRole)
        return t.uuids[row];
    if (role == Qt::FontRole && t.archived[row]) {
        QFont italic;
        italic.setItalic(true);
        return italic; // shown only when archived runs are shown
    }

    if (column < FixedColumnCount) {
        switch (column) {
        case StatusColumn:
            if (role == Qt::DisplayRole)
                return singleLine(t.statuses.at(row));
            if (role == SortRole)
                return t.statuses.at(row);
            if (role == Qt::ToolTipRole && t.statuses.at(row) == QLatin1String("incomplete"))
                return tr("Its import was interrupted: some of its data is missing. Import the source again to "
                          "complete it.");
            if (role == Qt::ForegroundRole) {
                const QString s = t.statuses.at(row);
                if (s == QLatin1String("failed"))
                    return QColor(0xc0, 0x39, 0x2b);
                if (s == QLatin1String("killed") || s == QLatin1String("incomplete"))
                    return QColor(0xb9, 0x77, 0x0e);
                if (s == QLatin1String("running"))
                    return QColor(0x1f, 0x6f, 0xeb);
            }
            return {};
        case NameColumn:
            if (role == Qt::DisplayRole)
                return QString((t.starred[row] ? QStringLiteral("★ ") : QString()) + singleLine(t.names.at(row)));
            if (role == SortRole || role == Qt::EditRole)
                return t.names.at(row);
            if (role == Qt::ToolTipRole)
                return plainToolTip(visibleText(t.names.at(row))); // the whole name, literally
            if (role == Qt::ForegroundRole && t.starred[row])
                return QColor(0x9a, 0x6a, 0x00);
            return {};
        case ProjectColumn:
            if (role == Qt::DisplayRole)
                return singleLine(t.projects.at(row));
            if (role == SortRole)
                return t.projects.at(row);
            return {};
        case StartedColumn:
            if (role == Qt::DisplayRole)
                return formatTime(t.startTimes[row]);
            if (role == SortRole)
                return t.startTimes[row];
            return {};
        case DurationColumn:
            if (role == Qt::DisplayRole)
                return formatDuration(t.duration(row, m_now));
            if (role == SortRole)
                return t.duration(row, m_now);
            if (role == Qt::TextAlignmentRole)
                return int(Qt::AlignRight | Qt::AlignVCenter);
            return {};
        case SourceColumn:
            if (!t.spansSources())
                return {};
            if (role == Qt::DisplayRole)
                return singleLine(t.sources.at(row));
            if (role == SortRole)
                return t.sources.at(row);
            if (role == Qt::ToolTipRole)
                return plainToolTip(tr("Held by: %1\nRead from: %2")
                                        .arg(visibleText(t.sources.at(row)), visibleText(t.sourcePath(row))));
            return {};
        default:
            return {};
        }
    }
    const int dynamic = dynamicIndex(column);
    if (dynamic >= 0 && size_t(dynamic) < t.params.size()) {
        const ValueColumn& c = t.params[size_t(dynamic)];
        if (role == Qt::DisplayRole)
            return singleLine(c.text.at(row));
        if (role == Qt::ToolTipRole && c.text.at(row).size() > kMaxCellLength)
            return plainToolTip(visibleText(c.text.at(row)));
        if (role == SortRole) {
            const double n = c.number(row);
            return std::isnan(n) ? QVariant(c.text.at(row)) : QVariant(n);
        }
        if (role == Qt::TextAlignmentRole && !std::isnan(c.number(row)))
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (isExtraColumn(column)) {
        const double v = row < m_extra.size() ? m_extra[row] : std::nan("");
        if (std::isnan(v))
            return {};
        if (role == Qt::DisplayRole)
            return QStringLiteral("%1 %").arg(std::round(v * 100));
        if (role == SortRole)
            return v;
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (dynamic >= 0) {
        const NumberColumn& c = t.metrics[size_t(dynamic) - t.params.size()];
        bool present = false;
        const double value = metricValue(c, row, present);
        if (!present)
            return {};
        if (role == Qt::DisplayRole)
            return QString::number(value, 'g', 5);
        if (role == SortRole)
            return value;
        if (role == Qt::ToolTipRole && m_readings.contains(c.key) && c.present[row])
            return tr("%1 of the history; latest %2")
                .arg(m_readings.value(c.key).label, QString::number(c.values[row], 'g', 5));
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

RunTableModel::SortKeys RunTableModel::sortKeys(int column) const
{
    SortKeys keys;
    if (!m_table)
        return keys;
    const RunTable& t = *m_table;
    const size_t n = t.rowCount();
    keys.group.assign(n, 2);
    keys.key.assign(n, 0.0);
    auto fromText = [&](const TextColumn& c) {
        std::vector<std::int32_t> computed;
        const std::vector<std::int32_t>* ranks = &c.sortRanks;
        if (ranks->size() != size_t(c.dict.size())) {
            // Snapshots from the loader come with ranks; a hand-made one gets them here.
            TextColumn copy;
            copy.dict = c.dict;
            copy.computeSortRanks();
            computed = std::move(copy.sortRanks);
            ranks = &computed;
        }
        for (size_t r = 0; r < n; ++r) {
            if (c.codes[r] >= 0) {
                keys.group[r] = 1;
                keys.key[r] = double((*ranks)[size_t(c.codes[r])]);
            }
        }
    };
    auto fromNumbers = [&](auto&& value) {
        for (size_t r = 0; r < n; ++r) {
            const double v = value(r);
            if (!std::isnan(v)) {
                keys.group[r] = 0;
                keys.key[r] = v;
            }
        }
    };
    const int dynamic = dynamicIndex(column);
    switch (column) {
    case StatusColumn:
        fromText(t.statuses);
        break;
    case NameColumn:
        fromText(t.names);
        break;
    case ProjectColumn:
        fromText(t.projects);
        break;
    case StartedColumn:
        fromNumbers([&](size_t r) { return t.startTimes[r]; });
        break;
    case DurationColumn:
        fromNumbers([&](size_t r) { return t.duration(r, m_now); });
        break;
    case SourceColumn:
        if (t.spansSources())
            fromText(t.sources);
        break;
    default:
        if (dynamic >= 0 && size_t(dynamic) < t.params.size()) {
            const ValueColumn& c = t.params[size_t(dynamic)];
            fromText(c.text);
            fromNumbers([&](size_t r) { return c.number(r); });
        } else if (dynamic >= 0) {
            const NumberColumn& c = t.metrics[size_t(dynamic) - t.params.size()];
            fromNumbers([&](size_t r) {
                bool present = false;
                const double v = metricValue(c, r, present);
                return present ? v : std::numeric_limits<double>::quiet_NaN();
            });
        } else if (isExtraColumn(column)) {
            fromNumbers(
                [&](size_t r) { return r < m_extra.size() ? m_extra[r] : std::numeric_limits<double>::quiet_NaN(); });
        }
        break;
    }
    return keys;
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == ColumnKindRole) {
        return isParamColumn(section) ? QStringLiteral("param")
            : isMetricColumn(section) ? QStringLiteral("metric")
            : isExtraColumn(section)  ? QStringLiteral("extra")
                                      : QStringLiteral("attr");
    }
    // A param and a metric may share a key (lr): the tooltip names each as the filter does.
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole
        && (isParamColumn(section) || isMetricColumn(section))) {
        const QString key = singleLine(columnKey(section));
        return plainToolTip(isParamColumn(section)
                ? tr("param.%1 — a parameter of the run\nfilter: param.%1 = …").arg(key)
                : (m_readings.contains(columnKey(section))
                        ? tr("metric.%1 — shown: %2 of its history (the filter compares its latest value)\n"
                             "filter: metric.%1 > …")
                              .arg(key, m_readings.value(columnKey(section)).label)
                        : tr("metric.%1 — its latest value\nfilter: metric.%1 > …").arg(key)));
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case StatusColumn:
        return tr("Status");
    case NameColumn:
        return tr("Name");
    case ProjectColumn:
        return tr("Project");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    case SourceColumn:
        return tr("Source");
    default:
        break;
    }
    if (isMetricColumn(section) && m_readings.contains(columnKey(section)))
        return QString(
            singleLine(columnKey(section)) + QStringLiteral(" (") + m_readings.value(columnKey(section)).label + u')');
    if (isParamColumn(section) || isMetricColumn(section))
        return singleLine(columnKey(section));
    if (isExtraColumn(section))
        return m_extraTitle;
    return {};
}

} // namespace reprise
