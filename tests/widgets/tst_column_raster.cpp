// The dense curves' pixels: the same as painting the curves one after another, whichever way they are
// written (last curve first while every curve is opaque, blended in order otherwise) and however the
// columns are split into bands.

#include "charts/column_raster.h"

#include <QTest>
#include <cstdint>

using namespace reprise;

namespace {

constexpr QSize kSize(300, 120);

/// A fixed pseudo-random sequence (the same on every machine).
class Sequence {
public:
    explicit Sequence(std::uint64_t seed)
        : m_state(seed)
    {
    }
    int below(int n)
    {
        m_state = m_state * 6364136223846793005ULL + 1442695040888963407ULL;
        return int((m_state >> 33) % std::uint64_t(n));
    }

private:
    std::uint64_t m_state;
};

/// `curves` curves of noise around overlapping bands of rows (like seeds of one loss), with gaps
/// (columns a curve does not reach), spans partly outside the plot, and some disjoint outliers.
std::vector<std::vector<ColumnSpan>> makeSpans(int curves, std::uint64_t seed)
{
    Sequence random(seed);
    std::vector<std::vector<ColumnSpan>> spans(std::size_t(curves), std::vector<ColumnSpan> {});
    for (int i = 0; i < curves; ++i) {
        for (int column = random.below(5); column < kSize.width(); column += 1 + (random.below(10) == 0 ? 3 : 0)) {
            const int centre = 40 + i % 5 * 8 + random.below(20);
            float top = float(centre - random.below(25)) + 0.25F, bottom = float(centre + random.below(25)) + 0.5F;
            if (random.below(20) == 0) { // an outlier far from the rest
                top = float(random.below(kSize.height()));
                bottom = top + float(random.below(3));
            }
            if (random.below(50) == 0)
                bottom += 200; // beyond the bottom edge
            spans[std::size_t(i)].push_back({ column, top, bottom });
        }
    }
    return spans;
}

/// The reference: each curve's spans painted in turn, pixel by pixel, with source-over blending.
std::vector<QRgb> paintedInOrder(const std::vector<std::vector<ColumnSpan>>& spans, const std::vector<QRgb>& pixels)
{
    std::vector<QRgb> out(std::size_t(kSize.width() * kSize.height()), 0);
    for (std::size_t i = 0; i < spans.size(); ++i) {
        const int alpha = qAlpha(pixels[i]);
        for (const ColumnSpan& s : spans[i]) {
            const int top = std::clamp(int(std::floor(s.top)), 0, kSize.height() - 1);
            const int bottom = std::clamp(int(std::floor(s.bottom)), 0, kSize.height() - 1);
            for (int row = top; row <= bottom; ++row) {
                QRgb& p = out[std::size_t(s.column * kSize.height() + row)];
                auto channel = [&](int shift) {
                    const int under = int((p >> shift) & 0xffU), over = int((pixels[i] >> shift) & 0xffU);
                    return quint32(over + (under * (255 - alpha) + 127) / 255) << shift;
                };
                p = alpha == 255 ? pixels[i] : (channel(0) | channel(8) | channel(16) | channel(24));
            }
        }
    }
    return out;
}

std::vector<QRgb> rastered(
    const std::vector<std::vector<ColumnSpan>>& spans, const std::vector<QRgb>& pixels, int bandColumns)
{
    std::vector<QRgb> out(std::size_t(kSize.width() * kSize.height()), 0);
    for (int from = 0; from < kSize.width(); from += bandColumns)
        rasterColumnSpans(out, kSize, spans, pixels, from, from + bandColumns);
    return out;
}

/// Pixels that differ in any channel by more than `tolerance`.
int differing(const std::vector<QRgb>& a, const std::vector<QRgb>& b, int tolerance)
{
    int count = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        for (int shift : { 0, 8, 16, 24 }) {
            if (std::abs(int((a[i] >> shift) & 0xffU) - int((b[i] >> shift) & 0xffU)) > tolerance) {
                ++count;
                break;
            }
        }
    }
    return count;
}

} // namespace

class TestColumnRaster : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void opaqueCurvesAsPaintedInOrder();
    void translucentCurvesBlendInOrder();
    void nothingToPaint();
};

void TestColumnRaster::opaqueCurvesAsPaintedInOrder()
{
    for (const int curves : { 1, 2, 7, 50 }) {
        const auto spans = makeSpans(curves, std::uint64_t(curves));
        std::vector<QRgb> pixels;
        for (int i = 0; i < curves; ++i)
            pixels.push_back(qRgba(10 + i * 4, 200 - i * 3, (i * 37) % 256, 255));
        const std::vector<QRgb> expected = paintedInOrder(spans, pixels);
        QVERIFY(std::count(expected.begin(), expected.end(), QRgb(0)) > 0); // some background left
        for (const int band : { 1, 64, kSize.width() })
            QCOMPARE(differing(rastered(spans, pixels, band), expected, 0), 0);
    }
}

void TestColumnRaster::translucentCurvesBlendInOrder()
{
    const auto spans = makeSpans(12, 99);
    std::vector<QRgb> pixels;
    for (int i = 0; i < 12; ++i) // premultiplied; one opaque curve among translucent ones
        pixels.push_back(i == 5 ? qRgba(200, 10, 10, 255) : qPremultiply(qRgba(20 * i, 100, 250 - 20 * i, 70)));
    const std::vector<QRgb> expected = paintedInOrder(spans, pixels);
    // The fast blend rounds like QPainter's, a unit off the reference's division at most.
    QCOMPARE(differing(rastered(spans, pixels, 64), expected, 1), 0);
    QVERIFY(differing(rastered(spans, pixels, 64), paintedInOrder(spans, { pixels.rbegin(), pixels.rend() }), 1) > 0);
}

void TestColumnRaster::nothingToPaint()
{
    std::vector<QRgb> out(std::size_t(kSize.width() * kSize.height()), 0);
    rasterColumnSpans(out, kSize, {}, {}, 0, kSize.width());
    rasterColumnSpans(out, kSize, { { { 5, 1, 2 } } }, { qRgb(1, 2, 3) }, 10, 10); // an empty band
    rasterColumnSpans(out, QSize(0, 0), { { { 0, 1, 2 } } }, { qRgb(1, 2, 3) }, 0, 64);
    QCOMPARE(std::count(out.begin(), out.end(), QRgb(0)), qsizetype(out.size()));
}

QTEST_GUILESS_MAIN(TestColumnRaster)
#include "tst_column_raster.moc"
