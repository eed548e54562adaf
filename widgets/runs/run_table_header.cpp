#include "runs/run_table_header.h"

#include "run_table_model.h"

#include <QPainter>

namespace reprise {

namespace {

    QString groupLabel(const QString& kind)
    {
        if (kind == QLatin1String("param"))
            return RunTableHeader::tr("Params");
        if (kind == QLatin1String("metric"))
            return RunTableHeader::tr("Metrics");
        if (kind == QLatin1String("extra"))
            return RunTableHeader::tr("Computed");
        return RunTableHeader::tr("Run");
    }

} // namespace

RunTableHeader::RunTableHeader(QWidget* parent)
    : QHeaderView(Qt::Horizontal, parent)
{
    setSectionsClickable(true);
}

QColor RunTableHeader::tint(const QString& kind)
{
    if (kind == QLatin1String("param"))
        return QColor(0xfb, 0xef, 0xd5); // warm: what was set
    if (kind == QLatin1String("metric"))
        return QColor(0xdd, 0xeb, 0xfa); // cool: what was measured
    if (kind == QLatin1String("extra"))
        return QColor(0xe4, 0xf2, 0xe4);
    return QColor(0xec, 0xec, 0xec);
}

void RunTableHeader::setCoveredLeft(int pixels)
{
    if (pixels == m_coveredLeft)
        return;
    m_coveredLeft = pixels;
    viewport()->update();
}

int RunTableHeader::bandHeight() const { return fontMetrics().height() + 4; }

QSize RunTableHeader::sizeHint() const
{
    QSize size = QHeaderView::sizeHint();
    size.setHeight(bandHeight() + std::max(size.height(), fontMetrics().height() + 8));
    return size;
}

std::vector<RunTableHeader::Group> RunTableHeader::spans() const
{
    std::vector<Group> out;
    if (!model())
        return out;
    for (int visual = 0; visual < count(); ++visual) {
        const int logical = logicalIndex(visual);
        if (isSectionHidden(logical))
            continue;
        const QString kind = model()->headerData(logical, orientation(), RunTableModel::ColumnKindRole).toString();
        const int left = sectionViewportPosition(logical);
        if (!out.empty() && out.back().kind == kind)
            out.back().right = left + sectionSize(logical);
        else
            out.push_back({ kind, left, left + sectionSize(logical) });
    }
    return out;
}

QStringList RunTableHeader::groups() const
{
    QStringList labels;
    for (const Group& g : spans())
        labels << groupLabel(g.kind);
    return labels;
}

void RunTableHeader::paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const
{
    // The ordinary section (text, sort arrow) on the bottom line; the band above is paintEvent's.
    painter->save();
    QHeaderView::paintSection(painter, rect.adjusted(0, bandHeight(), 0, 0), logicalIndex);
    painter->restore();
}

void RunTableHeader::paintEvent(QPaintEvent* event)
{
    QHeaderView::paintEvent(event);
    QPainter painter(viewport());
    const int band = bandHeight();
    const QRect visible = viewport()->rect().adjusted(m_coveredLeft, 0, 0, 0);
    for (const Group& g : spans()) {
        const QRect rect(g.left, 0, g.right - g.left, band);
        if (!rect.intersects(visible))
            continue;
        painter.fillRect(rect, tint(g.kind));
        painter.setPen(palette().color(QPalette::Mid));
        painter.drawLine(rect.topLeft(), rect.bottomLeft());
        painter.drawLine(rect.bottomLeft(), rect.bottomRight());
        // The label stays in the visible part of its group while the table scrolls sideways.
        const QRect shown = rect.intersected(visible).adjusted(6, 0, -4, 0);
        QFont font = painter.font();
        font.setBold(true);
        painter.setFont(font);
        painter.setPen(palette().color(QPalette::ButtonText));
        painter.drawText(shown, Qt::AlignLeft | Qt::AlignVCenter,
            QFontMetrics(font).elidedText(groupLabel(g.kind), Qt::ElideRight, shown.width()));
    }
}

} // namespace reprise
