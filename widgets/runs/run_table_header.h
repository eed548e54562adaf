#pragma once

#include <QHeaderView>

namespace reprise {

/// The run table's column header, two lines tall: the top line groups adjacent columns by what they
/// hold ("Run" attributes, "Params", "Metrics", computed columns), each group tinted its own colour and
/// its label kept in view while scrolling; the bottom line is the ordinary header (name, sort arrow).
/// Reads RunTableModel::ColumnKindRole. GUI thread only.
class RunTableHeader : public QHeaderView {
    Q_OBJECT
    /// The group labels drawn on the top line, left to right (for tests and accessibility).
    Q_PROPERTY(QStringList groups READ groups)
public:
    explicit RunTableHeader(QWidget* parent = nullptr);

    QStringList groups() const;
    QSize sizeHint() const override;
    /// Pixels at the left covered by something drawn over the header (the frozen columns): group labels
    /// are kept to the right of them.
    void setCoveredLeft(int pixels);
    /// The tint of a column kind ("attr", "param", "metric", "extra").
    static QColor tint(const QString& kind);

protected:
    void paintEvent(QPaintEvent* event) override;
    void paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const override;

private:
    struct Group {
        QString kind;
        int left = 0; ///< viewport x
        int right = 0;
    };
    std::vector<Group> spans() const;
    int bandHeight() const;
    int m_coveredLeft = 0;
};

} // namespace reprise
