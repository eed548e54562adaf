#pragma once

#include <QColor>
#include <QHash>
#include <QStringList>

namespace reprise {

/// Colours for runs, assigned in selection order from a categorical, colour-blind-safe palette: the
/// seven Okabe–Ito colours (black left out: it vanishes on a dark chart), then three colours picked to
/// stay apart from them for normal, deuteranope and protanope vision, then lighter and darker variants
/// of those ten. A run keeps its colour while it stays selected; a run that leaves frees its colour for
/// the next newcomer. GUI thread only.
class RunPalette {
public:
    /// The colour of slot `slot` (0, 1, 2… in assignment order).
    static QColor slotColour(int slot);
    /// The ten distinct base colours before the variants start.
    static constexpr int kBaseColours = 10;

    /// The runs now shown, in selection order: runs that stay keep their slot, runs gone free theirs,
    /// newcomers take the lowest free slots in order.
    void follow(const QStringList& runIds);
    /// The colour of `runId`; a run not yet known takes the lowest free slot.
    QColor colour(const QString& runId);
    /// The slot of `runId`, −1 when it has none.
    int slotOf(const QString& runId) const { return m_slots.value(runId, -1); }
    void clear() { m_slots.clear(); }

private:
    int freeSlot() const;

    QHash<QString, int> m_slots;
};

/// The palette every view of this process shares: the same run, the same colour in the charts, their
/// legends, the params table, the parallel coordinates and the scatter. GUI thread only.
RunPalette& runPalette();

/// The shared palette's colour of `runId` (assigned when the run is new to it).
QColor runColour(const QString& runId);

} // namespace reprise
