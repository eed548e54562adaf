// Run colours: ten runs side by side stay far apart in CIELAB (also as deuteranopes and protanopes
// see them), and a run keeps its colour while it stays selected, the same in every view.

#include "chart_test_support.h"
#include "charts/run_palette.h"
#include "compare/scatter_plot.h"

#include <QListWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <array>
#include <cmath>

using namespace reprise;
using namespace reprise::test;

namespace {

using Vec3 = std::array<double, 3>;

double linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }

Vec3 linearRgb(const QColor& c) { return { linear(c.redF()), linear(c.greenF()), linear(c.blueF()) }; }

/// CIELAB (D65) of a linear-light sRGB colour.
Vec3 lab(const Vec3& rgb)
{
    const double X = 0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2];
    const double Y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    const double Z = 0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2];
    auto f = [](double t) { return t > 216.0 / 24389 ? std::cbrt(t) : (24389.0 / 27 * t + 16) / 116; };
    const double fx = f(X / 0.95047), fy = f(Y), fz = f(Z / 1.08883);
    return { 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz) };
}

double radians(double degrees) { return degrees * M_PI / 180; }

/// CIEDE2000 colour difference (Sharma, Wu & Dalal 2005).
double deltaE2000(const Vec3& p, const Vec3& q)
{
    const double C1 = std::hypot(p[1], p[2]), C2 = std::hypot(q[1], q[2]), Cb = (C1 + C2) / 2;
    const double G = 0.5 * (1 - std::sqrt(std::pow(Cb, 7) / (std::pow(Cb, 7) + std::pow(25.0, 7))));
    const double a1 = (1 + G) * p[1], a2 = (1 + G) * q[1];
    const double C1p = std::hypot(a1, p[2]), C2p = std::hypot(a2, q[2]);
    auto hue = [](double b, double a) {
        const double h = std::atan2(b, a) * 180 / M_PI;
        return h < 0 ? h + 360 : h;
    };
    const double h1 = hue(p[2], a1), h2 = hue(q[2], a2);
    double dh = 0;
    if (C1p * C2p != 0) {
        dh = h2 - h1;
        if (dh > 180)
            dh -= 360;
        else if (dh < -180)
            dh += 360;
    }
    const double dL = q[0] - p[0], dC = C2p - C1p;
    const double dH = 2 * std::sqrt(C1p * C2p) * std::sin(radians(dh / 2));
    const double Lb = (p[0] + q[0]) / 2, Cbp = (C1p + C2p) / 2;
    double hb = h1 + h2;
    if (C1p * C2p != 0)
        hb = std::abs(h1 - h2) <= 180 ? (h1 + h2) / 2 : (h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2);
    const double T = 1 - 0.17 * std::cos(radians(hb - 30)) + 0.24 * std::cos(radians(2 * hb))
        + 0.32 * std::cos(radians(3 * hb + 6)) - 0.20 * std::cos(radians(4 * hb - 63));
    const double dTheta = 30 * std::exp(-std::pow((hb - 275) / 25, 2));
    const double Rc = 2 * std::sqrt(std::pow(Cbp, 7) / (std::pow(Cbp, 7) + std::pow(25.0, 7)));
    const double Sl = 1 + 0.015 * std::pow(Lb - 50, 2) / std::sqrt(20 + std::pow(Lb - 50, 2));
    const double Sc = 1 + 0.045 * Cbp, Sh = 1 + 0.015 * Cbp * T;
    const double Rt = -std::sin(radians(2 * dTheta)) * Rc;
    return std::sqrt(std::pow(dL / Sl, 2) + std::pow(dC / Sc, 2) + std::pow(dH / Sh, 2) + Rt * (dC / Sc) * (dH / Sh));
}

/// How a dichromat sees a colour: Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB.
Vec3 simulate(const Vec3& rgb, const std::array<Vec3, 3>& m)
{
    Vec3 out {};
    for (int i = 0; i < 3; ++i)
        out[i] = std::clamp(m[i][0] * rgb[0] + m[i][1] * rgb[1] + m[i][2] * rgb[2], 0.0, 1.0);
    return out;
}

const std::array<Vec3, 3> kDeuteranopia { Vec3 { 0.367322, 0.860646, -0.227968 }, Vec3 { 0.280085, 0.672501, 0.047413 },
    Vec3 { -0.011820, 0.042940, 0.968881 } };
const std::array<Vec3, 3> kProtanopia { Vec3 { 0.152286, 1.052583, -0.204868 }, Vec3 { 0.114503, 0.786281, 0.099216 },
    Vec3 { -0.003882, -0.048116, 1.051998 } };

/// The smallest CIEDE2000 between any two of `colours`, as seen through `vision` (none: normal).
double closestPair(const QList<QColor>& colours, const std::array<Vec3, 3>* vision, QString* which)
{
    double least = 1e9;
    for (qsizetype i = 0; i < colours.size(); ++i) {
        for (qsizetype j = i + 1; j < colours.size(); ++j) {
            Vec3 a = linearRgb(colours[i]), b = linearRgb(colours[j]);
            if (vision) {
                a = simulate(a, *vision);
                b = simulate(b, *vision);
            }
            const double d = deltaE2000(lab(a), lab(b));
            if (d < least) {
                least = d;
                *which = colours[i].name() + QStringLiteral(" / ") + colours[j].name();
            }
        }
    }
    return least;
}

QColor swatchColour(const QIcon& icon) { return icon.pixmap(14, 14).toImage().pixelColor(7, 7); }

} // namespace

class TestChartColours : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void tenRunsAreFarApart();
    void aRunKeepsItsColourWhileSelected();

private:
    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestChartColours::initTestCase()
{
    m_db = m_dir.filePath(QStringLiteral("colours.db"));
    std::vector<RunSpec> specs;
    for (int r = 0; r < 12; ++r)
        specs.push_back({ QStringLiteral("run-%1").arg(r), {}, { { QStringLiteral("loss"), { 1.0 + r, 0.5 + r } } } });
    m_runs = writeRuns(m_db, specs);
    QCOMPARE(m_runs.size(), 12);
}

void TestChartColours::tenRunsAreFarApart()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, m_runs.mid(0, 10)); }));
    QCOMPARE(view.charts().size(), 1);
    QList<QColor> colours;
    for (const ChartCurve& c : view.charts().first()->curves())
        colours << c.colour;
    QCOMPARE(colours.size(), 10);
    // Thresholds (CIEDE2000): 2.3 is a just noticeable difference (Sharma 2003); thin curves and
    // legend swatches need far more than that to be told apart at a glance and named differently.
    // 20 (≈ 9 JNDs) is above the closest pair of Tableau 10 (18.1), the palette W&B-like tools start
    // from, and the hashed hues this replaced failed it (two greens at 6). Under a full deuteranopia or
    // protanopia simulation colours get closer for everyone; 10 keeps them apart where Tableau 10
    // falls to 0.7 (its red and green).
    QString pair;
    const double normal = closestPair(colours, nullptr, &pair);
    QVERIFY2(normal >= 20, qPrintable(QStringLiteral("ΔE2000 %1 between %2").arg(normal).arg(pair)));
    const double deut = closestPair(colours, &kDeuteranopia, &pair);
    QVERIFY2(deut >= 10, qPrintable(QStringLiteral("deuteranopia ΔE2000 %1 between %2").arg(deut).arg(pair)));
    const double prot = closestPair(colours, &kProtanopia, &pair);
    QVERIFY2(prot >= 10, qPrintable(QStringLiteral("protanopia ΔE2000 %1 between %2").arg(prot).arg(pair)));
    // In selection order: the first run has the palette's first colour.
    QCOMPARE(colours.first(), RunPalette::slotColour(0));
}

void TestChartColours::aRunKeepsItsColourWhileSelected()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    auto colours = [&] {
        QMap<QString, QColor> out;
        for (const ChartCurve& c : view.charts().first()->curves())
            out.insert(c.runId, c.colour);
        return out;
    };
    const QList<RunRecord> five = m_runs.mid(0, 5);
    QVERIFY(shown(view, [&] { view.setRuns(m_db, five); }));
    const QMap<QString, QColor> before = colours();
    QCOMPARE(before.size(), 5);
    // Run 2 leaves: the others keep their colours.
    QList<RunRecord> four = five;
    four.removeAt(2);
    QVERIFY(shown(view, [&] { view.setRuns(m_db, four); }));
    QMap<QString, QColor> after = colours();
    QCOMPARE(after.size(), 4);
    for (const RunRecord& r : four)
        QCOMPARE(after[r.uuid], before[r.uuid]);
    // A newcomer takes a colour no run on screen has; the others still keep theirs.
    QList<RunRecord> withNew = four;
    withNew.prepend(m_runs[7]);
    QVERIFY(shown(view, [&] { view.setRuns(m_db, withNew); }));
    after = colours();
    for (const RunRecord& r : four)
        QCOMPARE(after[r.uuid], before[r.uuid]);
    for (const RunRecord& r : four)
        QVERIFY(after[m_runs[7].uuid] != after[r.uuid]);
    // The same colour in the legend, the params table and the scatter's highlighted points.
    for (int i = 0; i < view.legend()->count(); ++i) {
        const QListWidgetItem* item = view.legend()->item(i);
        QCOMPARE(swatchColour(item->icon()), after[item->data(Qt::UserRole).toString()]);
    }
    QTableWidget* params = view.paramsTable();
    QCOMPARE(params->columnCount(), withNew.size());
    for (int c = 0; c < params->columnCount(); ++c)
        QCOMPARE(swatchColour(params->horizontalHeaderItem(c)->icon()), after[withNew[c].uuid]);
    for (const RunRecord& r : withNew)
        QCOMPARE(runColour(r.uuid), after[r.uuid]);
}

QTEST_MAIN(TestChartColours)
#include "tst_chart_colours.moc"
