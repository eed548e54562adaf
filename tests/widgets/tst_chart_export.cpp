// Charts exported for a paper or slides: PNG at a chosen size and scale, SVG and PDF, titled by the
// metric, with axis titles and a legend of exactly what is drawn, full run names wrapped; the
// charts on the clipboard.

#include "chart_test_support.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <cmath>

using namespace reprise;
using namespace reprise::test;

namespace {

const QString kLongName = QStringLiteral("resnet34 cosine warmup lr0.1 batch256 mixup0.2 label-smoothing seed-0");

bool exportTo(CompareView& view, const QString& path, const std::optional<ChartExportOptions>& options)
{
    QSignalSpy spy(&view, &CompareView::exported);
    if (options)
        view.exportCharts(path, *options);
    else
        view.exportCharts(path);
    if (spy.isEmpty() && !spy.wait(20000))
        return false;
    return spy.first().at(1).toString().isEmpty();
}

/// Every text of an SVG document, in order, joined by spaces.
QString svgText(const QByteArray& svg)
{
    QXmlStreamReader xml(svg);
    QStringList texts;
    bool inText = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement())
            inText = xml.name() == QStringLiteral("text") || xml.name() == QStringLiteral("tspan");
        else if (xml.isEndElement())
            inText = false;
        else if (xml.isCharacters() && inText && !xml.isWhitespace())
            texts << xml.text().toString();
    }
    return texts.join(u' ');
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestChartExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void pngAtSizeAndScale();
    void svgTitlesAndLegendOfWhatIsDrawn();
    void pdfPageSize();
    void nanEntryOnlyWithNaN();
    void copyToClipboard();

private:
    void showRuns(CompareView& view, const QList<RunRecord>& runs);

    QTemporaryDir m_dir;
    QString m_db;
    QList<RunRecord> m_runs;
};

void TestChartExport::initTestCase()
{
    m_db = m_dir.filePath(QStringLiteral("export.db"));
    std::vector<double> a, b, c, d;
    for (int i = 0; i < 50; ++i) {
        a.push_back(0.5 + 0.4 * (1 - std::exp(-i / 10.0)));
        b.push_back(0.5 + 0.38 * (1 - std::exp(-i / 12.0)));
        c.push_back(0.4 + 0.3 * (1 - std::exp(-i / 8.0)));
        d.push_back(i == 30 ? std::nan("") : 0.45 + 0.3 * (1 - std::exp(-i / 8.0)));
    }
    m_runs = writeRuns(m_db,
        {
            { kLongName, {}, { { QStringLiteral("val_acc"), a } } },
            { QStringLiteral("resnet34 seed-1"), {}, { { QStringLiteral("val_acc"), b } } },
            { QStringLiteral("vgg16 seed-0"), {}, { { QStringLiteral("val_acc"), c } } },
            { QStringLiteral("diverged"), {}, { { QStringLiteral("val_acc"), d } } },
        });
    QCOMPARE(m_runs.size(), 4);
}

void TestChartExport::showRuns(CompareView& view, const QList<RunRecord>& runs)
{
    view.resize(1000, 600);
    view.show();
    QVERIFY(shown(view, [&] { view.setRuns(m_db, runs); }));
    QCOMPARE(view.charts().size(), 1);
}

void TestChartExport::pngAtSizeAndScale()
{
    CompareView view;
    showRuns(view, m_runs.mid(0, 3));
    const QString path = m_dir.filePath(QStringLiteral("slide.png"));
    ChartExportOptions options;
    options.size = QSize(800, 500);
    options.scale = 2;
    QVERIFY(exportTo(view, path, options));
    const QImage image(path);
    QCOMPARE(image.size(), QSize(1600, 1000));
    image.save(QStringLiteral("/tmp/tst_chart_export_slide.png"));
    // Without options: as on screen, the format by the suffix.
    const QString plain = m_dir.filePath(QStringLiteral("plain.png"));
    QVERIFY(exportTo(view, plain, std::nullopt));
    QVERIFY(!QImage(plain).isNull());
}

void TestChartExport::svgTitlesAndLegendOfWhatIsDrawn()
{
    CompareView view;
    showRuns(view, m_runs.mid(0, 3));
    view.setRunVisible(m_runs[2].uuid, false);
    MetricChart* chart = view.charts().first();
    // The legend names what is drawn: the two visible runs, in full, and no NaN entry.
    QCOMPARE(chart->exportLegend(), (QStringList { curveLabel(m_runs[0]), curveLabel(m_runs[1]) }));
    // Narrow (one paper column): the long name must wrap, not be cut.
    const QString path = m_dir.filePath(QStringLiteral("column.svg"));
    ChartExportOptions options;
    options.format = ChartExportOptions::Format::Svg;
    options.size = QSize(420, 360);
    QVERIFY(exportTo(view, path, options));
    const QString text = svgText(readAll(path));
    QVERIFY2(text.contains(QStringLiteral("val_acc")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("step")), qPrintable(text)); // the x axis' title
    for (const QString& word : kLongName.split(u' '))
        QVERIFY2(text.contains(word), qPrintable(word + QStringLiteral(" in ") + text));
    QVERIFY2(!text.contains(u'…') && !text.contains(QStringLiteral("...")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("vgg16")), qPrintable(text)); // hidden: not drawn, no entry
    QVERIFY2(!text.contains(QStringLiteral("NaN")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("pixel resolution")), qPrintable(text));
}

void TestChartExport::pdfPageSize()
{
    CompareView view;
    showRuns(view, m_runs.mid(0, 3));
    const QString path = m_dir.filePath(QStringLiteral("paper.pdf"));
    ChartExportOptions options;
    options.format = ChartExportOptions::Format::Pdf;
    options.size = QSize(700, 500);
    QVERIFY(exportTo(view, path, options));
    const QByteArray pdf = readAll(path);
    QVERIFY(pdf.startsWith("%PDF"));
    // The page is the size asked for, in points.
    const QRegularExpressionMatch box
        = QRegularExpression(QStringLiteral("/MediaBox \\[([-0-9. ]+)\\]")).match(QString::fromLatin1(pdf));
    QVERIFY(box.hasMatch());
    const QStringList numbers = box.captured(1).split(u' ', Qt::SkipEmptyParts);
    QCOMPARE(numbers.size(), 4);
    QCOMPARE(qRound(numbers[2].toDouble() - numbers[0].toDouble()), 700);
    QCOMPARE(qRound(numbers[3].toDouble() - numbers[1].toDouble()), 500);
}

void TestChartExport::nanEntryOnlyWithNaN()
{
    CompareView view;
    showRuns(view, m_runs);
    const QStringList legend = view.charts().first()->exportLegend();
    QCOMPARE(legend.size(), 5);
    QCOMPARE(legend.last(), QStringLiteral("NaN / ±inf"));
    QVERIFY(shown(view, [&] { view.setRuns(m_db, m_runs.mid(0, 2)); }));
    QVERIFY(!view.charts().first()->exportLegend().join(u'|').contains(QStringLiteral("NaN")));
}

void TestChartExport::copyToClipboard()
{
    CompareView view;
    showRuns(view, m_runs.mid(0, 3));
    QGuiApplication::clipboard()->clear();
    view.copyCharts();
    const QImage image = QGuiApplication::clipboard()->image();
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 400 && image.height() >= 200);
    // One chart alone (its context menu's Copy Chart), at a size and scale.
    MetricChart* chart = view.charts().first();
    QCOMPARE(chart->picture(QSize(600, 400), 2).size(), QSize(1200, 800));
    QGuiApplication::clipboard()->clear();
    chart->copyToClipboard();
    QCOMPARE(
        QGuiApplication::clipboard()->image().size(), chart->size() * int(std::max(1.0, chart->devicePixelRatioF())));
}

QTEST_MAIN(TestChartExport)
#include "tst_chart_export.moc"
