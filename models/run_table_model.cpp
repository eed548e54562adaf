#include "run_table_model.h"

#include "store/run_format.h"
#include "text/display_text.h"

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <algorithm>
#include <cmath>
#include <limits>

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

} // namespace

RunTableModel::RunTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RunTableModel::setRuns(std::shared_ptr<const RunTable> table, double now)
{
    beginResetModel();
    m_table = std::move(table);
    m_now = now;
    mapExtraValues();
    endResetModel();
}

int RunTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_table ? 0 : int(m_table->rowCount());
}

int RunTableModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    if (!m_table)
        return FixedColumnCount;
    return dynamicColumnCount() + (m_extraTitle.isEmpty() ? 0 : 1);
}

bool RunTableModel::isParamColumn(int column) const
{
    return m_table && column >= FixedColumnCount && column < FixedColumnCount + int(m_table->params.size());
}

bool RunTableModel::isMetricColumn(int column) const
{
    return m_table && column >= FixedColumnCount + int(m_table->params.size()) && column < dynamicColumnCount();
}

int RunTableModel::dynamicColumnCount() const
{
    return m_table ? FixedColumnCount + int(m_table->params.size() + m_table->metrics.size()) : FixedColumnCount;
}

bool RunTableModel::isExtraColumn(int column) const
{
    return !m_extraTitle.isEmpty() && column == dynamicColumnCount();
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
    mapExtraValues();
    if (adding) {
        endInsertColumns();
    } else {
        Q_EMIT headerDataChanged(Qt::Horizontal, column, column);
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0, column), index(rowCount() - 1, column));
    }
}

QString RunTableModel::columnKey(int column) const
{
    if (isParamColumn(column))
        return m_table->params[size_t(column - FixedColumnCount)].key;
    if (isMetricColumn(column))
        return m_table->metrics[size_t(column - FixedColumnCount - int(m_table->params.size()))].key;
    return {};
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
    if (name != m_table->names.at(size_t(index.row())))
        Q_EMIT renameRequested(m_table->uuids[size_t(index.row())], name);
    return false;
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const
{
    if (!m_table || !index.isValid() || index.row() >= rowCount())
        return {};
    const auto row = size_t(index.row());
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
        default:
            return {};
        }
    }
    if (isParamColumn(column)) {
        const ValueColumn& c = t.params[size_t(column - FixedColumnCount)];
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
    if (isMetricColumn(column)) {
        const NumberColumn& c = t.metrics[size_t(column - FixedColumnCount - int(t.params.size()))];
        if (!c.present[row])
            return {};
        if (role == Qt::DisplayRole)
            return QString::number(c.values[row], 'g', 5);
        if (role == SortRole)
            return c.values[row];
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

std::vector<std::int32_t> RunTableModel::sortedRows(int column, Qt::SortOrder order) const
{
    std::vector<std::int32_t> rows;
    if (!m_table)
        return rows;
    const RunTable& t = *m_table;
    const size_t n = t.rowCount();
    // Each row gets (group, key): group 0 numbers, 1 text, 2 missing; missing stays last.
    std::vector<std::uint8_t> group(n, 2);
    std::vector<double> key(n, 0.0);
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
                group[r] = 1;
                key[r] = double((*ranks)[size_t(c.codes[r])]);
            }
        }
    };
    auto fromNumbers = [&](auto&& value) {
        for (size_t r = 0; r < n; ++r) {
            const double v = value(r);
            if (!std::isnan(v)) {
                group[r] = 0;
                key[r] = v;
            }
        }
    };
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
    default:
        if (isParamColumn(column)) {
            const ValueColumn& c = t.params[size_t(column - FixedColumnCount)];
            fromText(c.text);
            fromNumbers([&](size_t r) { return c.number(r); });
        } else if (isExtraColumn(column)) {
            fromNumbers(
                [&](size_t r) { return r < m_extra.size() ? m_extra[r] : std::numeric_limits<double>::quiet_NaN(); });
        } else if (isMetricColumn(column)) {
            const NumberColumn& c = t.metrics[size_t(column - FixedColumnCount - int(t.params.size()))];
            fromNumbers(
                [&](size_t r) { return c.present[r] ? c.values[r] : std::numeric_limits<double>::quiet_NaN(); });
        }
        break;
    }
    rows.resize(n);
    for (size_t r = 0; r < n; ++r)
        rows[r] = std::int32_t(r);
    const bool descending = order == Qt::DescendingOrder;
    std::stable_sort(rows.begin(), rows.end(), [&](std::int32_t a, std::int32_t b) {
        const auto ga = group[size_t(a)], gb = group[size_t(b)];
        if (ga == 2 || gb == 2)
            return ga != 2 && gb == 2;
        if (ga != gb)
            return descending ? ga > gb : ga < gb;
        return descending ? key[size_t(a)] > key[size_t(b)] : key[size_t(a)] < key[size_t(b)];
    });
    return rows;
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
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
    default:
        break;
    }
    if (isParamColumn(section) || isMetricColumn(section))
        return singleLine(columnKey(section));
    if (isExtraColumn(section))
        return m_extraTitle;
    return {};
}

} // namespace reprise
