#include "charts/run_palette.h"

#include <QSet>
#include <algorithm>

namespace reprise {

QColor RunPalette::slotColour(int slot)
{
    // Okabe & Ito (2008): orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple; then
    // crimson, violet and a warm grey, chosen (by CIEDE2000, also under Machado et al.'s deuteranopia and
    // protanopia simulations) to stay as far as possible from the seven and from each other.
    static const QRgb base[kBaseColours]
        = { 0xe69f00, 0x56b4e9, 0x009e73, 0xf0e442, 0x0072b2, 0xd55e00, 0xcc79a7, 0xcc3344, 0x8877ff, 0x776677 };
    const int s = std::max(0, slot);
    const QColor colour = QColor::fromRgb(base[s % kBaseColours]);
    // Past ten: the same hues lighter, then darker, then again (more runs than distinguishable
    // colours; the legend and the readout still tell them apart).
    switch ((s / kBaseColours) % 3) {
    case 1:
        return colour.lighter(135);
    case 2:
        return colour.darker(140);
    default:
        return colour;
    }
}

int RunPalette::freeSlot() const
{
    QSet<int> used;
    for (int s : m_slots)
        used.insert(s);
    int slot = 0;
    while (used.contains(slot))
        ++slot;
    return slot;
}

void RunPalette::follow(const QStringList& runIds)
{
    const QSet<QString> now(runIds.begin(), runIds.end());
    for (auto it = m_slots.begin(); it != m_slots.end();) {
        if (now.contains(it.key()))
            ++it;
        else
            it = m_slots.erase(it);
    }
    for (const QString& id : runIds) {
        if (!m_slots.contains(id))
            m_slots.insert(id, freeSlot());
    }
}

QColor RunPalette::colour(const QString& runId)
{
    auto it = m_slots.find(runId);
    if (it == m_slots.end())
        it = m_slots.insert(runId, freeSlot());
    return slotColour(*it);
}

RunPalette& runPalette()
{
    static RunPalette palette;
    return palette;
}

QColor runColour(const QString& runId) { return runPalette().colour(runId); }

} // namespace reprise
