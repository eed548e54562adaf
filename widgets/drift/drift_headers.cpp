#include "drift/drift_headers.h"

#include <QDateTime>
#include <QPainter>
#include <QStyleOptionHeader>
#include <algorithm>
#include <cmath>

namespace reprise {

QString driftNumber(double v)
{
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
    if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e5))
        return QString::number(v, 'e', 2);
    return QString::number(v, 'g', 3);
}

QString driftDate(double seconds)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(seconds * 1000)).toString(QStringLiteral("yyyy-MM-dd"));
}

namespace {

    int lineHeight(const QFontMetrics& metrics) { return metrics.height() + 4; }

} // namespace

DriftColumnHeader::DriftColumnHeader(QWidget* parent)
    : QHeaderView(Qt::Horizontal, parent)
{
    setSectionsClickable(true);
    setHighlightSections(true);
}

QSize DriftColumnHeader::sizeHint() const
{
    QSize size = QHeaderView::sizeHint();
    size.setHeight(2 * lineHeight(fontMetrics()) + 2);
    return size;
}

std::vector<DriftColumnHeader::Group> DriftColumnHeader::groups() const
{
    struct Section {
        QDateTime time;
        int left;
        int right;
    };
    std::vector<Section> sections;
    if (!model())
        return {};
    for (int visual = 0; visual < count(); ++visual) {
        const int logical = logicalIndex(visual);
        if (isSectionHidden(logical))
            continue;
        const double seconds = model()->headerData(logical, orientation(), StartTimeRole).toDouble();
        const int left = sectionViewportPosition(logical);
        sections.push_back(
            { QDateTime::fromMSecsSinceEpoch(qint64(seconds * 1000)), left, left + sectionSize(logical) });
    }
    // The finest of day, month, year whose every label fits over its columns.
    const QFontMetrics metrics(font());
    const QString formats[] = { QStringLiteral("yyyy-MM-dd"), QStringLiteral("yyyy-MM"), QStringLiteral("yyyy") };
    std::vector<Group> out;
    for (const QString& format : formats) {
        out.clear();
        for (const Section& s : sections) {
            const QString label = s.time.toString(format);
            if (!out.empty() && out.back().label == label)
                out.back().right = s.right;
            else
                out.push_back({ label, s.left, s.right });
        }
        const bool fits = std::all_of(out.begin(), out.end(),
            [&](const Group& g) { return g.right - g.left >= metrics.horizontalAdvance(g.label) + 6; });
        if (fits)
            break;
    }
    return out;
}

QStringList DriftColumnHeader::dateGroups() const
{
    QStringList labels;
    for (const Group& g : groups())
        labels << g.label;
    return labels;
}

void DriftColumnHeader::paintEvent(QPaintEvent* event)
{
    QHeaderView::paintEvent(event);
    // The date line is drawn over the sections' top halves, one label per group of columns.
    QPainter painter(viewport());
    const int top = lineHeight(fontMetrics());
    const QColor line = palette().color(QPalette::Mid);
    for (const Group& g : groups()) {
        const QRect band(g.left, 0, g.right - g.left, top);
        painter.fillRect(band, palette().button());
        painter.setPen(line);
        painter.drawLine(band.bottomLeft(), band.bottomRight());
        painter.drawLine(band.topLeft(), band.bottomLeft());
        painter.setPen(palette().color(QPalette::ButtonText));
        const QString text = fontMetrics().elidedText(g.label, Qt::ElideRight, band.width() - 4);
        painter.drawText(band.adjusted(2, 0, -2, 0), Qt::AlignCenter, text);
    }
}

void DriftColumnHeader::paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const
{
    if (!rect.isValid())
        return;
    QStyleOptionHeader option;
    initStyleOption(&option);
    option.rect = rect;
    option.section = logicalIndex;
    option.text.clear();
    painter->save();
    style()->drawControl(QStyle::CE_HeaderSection, &option, painter, this);
    // The run's name on the bottom line, where it fits at least a few characters; the end of the
    // name is kept (run names of one project differ at their end).
    const QRect name = rect.adjusted(3, lineHeight(fontMetrics()), -3, 0);
    if (name.width() >= fontMetrics().horizontalAdvance(QStringLiteral("…000"))) {
        QString text = model()->headerData(logicalIndex, orientation(), Qt::DisplayRole).toString();
        if (model()->headerData(logicalIndex, orientation(), RerunRole).toBool())
            text.prepend(QStringLiteral("↻ "));
        QFont font = painter->font();
        font.setBold(selectionModel() && selectionModel()->currentIndex().column() == logicalIndex);
        painter->setFont(font);
        painter->setPen(palette().color(QPalette::ButtonText));
        painter->drawText(name, Qt::AlignCenter, QFontMetrics(font).elidedText(text, Qt::ElideLeft, name.width()));
    }
    painter->restore();
}

DriftFeatureHeader::DriftFeatureHeader(QWidget* parent)
    : QHeaderView(Qt::Vertical, parent)
{
    setSectionsClickable(true);
    setHighlightSections(true);
    setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

QSize DriftFeatureHeader::sectionSizeFromContents(int logicalIndex) const
{
    QSize size = QHeaderView::sectionSizeFromContents(logicalIndex);
    if (model()) {
        const QString first = model()->headerData(logicalIndex, orientation(), FirstDriftRole).toString();
        if (!first.isEmpty())
            size.rwidth() += fontMetrics().horizontalAdvance(first) + 24;
    }
    return size;
}

void DriftFeatureHeader::paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const
{
    painter->save();
    QHeaderView::paintSection(painter, rect, logicalIndex);
    painter->restore();
    const QString first
        = model() ? model()->headerData(logicalIndex, orientation(), FirstDriftRole).toString() : QString();
    if (first.isEmpty() || !rect.isValid())
        return;
    painter->save();
    QFont font = painter->font();
    font.setBold(false);
    painter->setFont(font);
    painter->setPen(palette().color(QPalette::PlaceholderText));
    // Right-aligned in the room the name leaves (the name is drawn bold when its row is current).
    QFont bold = font;
    bold.setBold(true);
    const QString name = model()->headerData(logicalIndex, orientation(), Qt::DisplayRole).toString();
    const QRect text = rect.adjusted(4, 0, -6, 0);
    const int room = text.width() - QFontMetrics(bold).horizontalAdvance(name) - 12;
    if (room > 20)
        painter->drawText(
            text, Qt::AlignRight | Qt::AlignVCenter, QFontMetrics(font).elidedText(first, Qt::ElideMiddle, room));
    painter->restore();
}

void DriftCellDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyleOptionViewItem item(option);
    initStyleOption(&item, index);
    // One rule for the whole map (all cells show numbers, or none): wide enough for a typical reading.
    if (item.fontMetrics.horizontalAdvance(QStringLiteral("p 0.05 ●")) + 6 <= item.rect.width()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // Too narrow for the numbers: the colour says the score, a dot says "drifted".
    painter->save();
    painter->fillRect(item.rect, item.backgroundBrush);
    if (item.text.endsWith(QChar(0x25CF))) {
        const qreal radius = std::clamp(item.rect.width() / 5.0, 1.5, 3.5);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0x21, 0x21, 0x21));
        painter->drawEllipse(QRectF(item.rect).center(), radius, radius);
    }
    if (item.state & QStyle::State_Selected) {
        painter->setPen(QPen(item.palette.color(QPalette::Highlight), 2));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(QRectF(item.rect).adjusted(1, 1, -1, -1));
    }
    painter->restore();
}

} // namespace reprise
