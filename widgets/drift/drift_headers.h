#pragma once

#include <QHeaderView>
#include <QStyledItemDelegate>

namespace reprise {

/// Header data roles of the drift heat map (set on its QTableWidgetItem headers).
enum DriftHeaderRole {
    /// Horizontal: the compared run's start time, seconds since the epoch (double).
    StartTimeRole = Qt::UserRole,
    /// Vertical: "first drifted DATE (RUN)" or "no drift", shown beside the feature's name.
    FirstDriftRole = Qt::UserRole + 1,
    /// Horizontal: true when the column's run is a rerun (drawn with ↻ before its name).
    RerunRole = Qt::UserRole + 2,
};

/// A statistic for the heat map and details: 3 significant digits, exponent for the very small or large.
QString driftNumber(double value);

/// "yyyy-MM-dd" of a time in seconds since the epoch, in local time (as the run table shows it).
QString driftDate(double seconds);

/// The heat map's column header, two lines tall: the top line groups the columns by date (day, else
/// month, else year: the finest whose labels fit over their columns), the bottom line names each
/// column's run where the column is wide enough. GUI thread only.
class DriftColumnHeader : public QHeaderView {
    Q_OBJECT
    /// The date labels drawn on the top line, left to right (for tests and accessibility).
    Q_PROPERTY(QStringList dateGroups READ dateGroups)
public:
    explicit DriftColumnHeader(QWidget* parent = nullptr);

    QStringList dateGroups() const;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const override;

private:
    struct Group {
        QString label;
        int left = 0; ///< viewport x
        int right = 0;
    };
    std::vector<Group> groups() const;
};

/// The heat map's row header: the feature's name, and to its right in a muted colour when it drifted
/// first (FirstDriftRole). Its width makes room for both.
class DriftFeatureHeader : public QHeaderView {
    Q_OBJECT
public:
    explicit DriftFeatureHeader(QWidget* parent = nullptr);

protected:
    void paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const override;
    QSize sectionSizeFromContents(int logicalIndex) const override;
};

/// Heat-map cells: the item's own painting when its text fits, else only its colour and a dot for
/// "drifted" (the text stays in the tooltip and the details), so that many narrow columns still read.
class DriftCellDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace reprise
