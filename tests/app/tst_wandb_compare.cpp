// W&B runs in the window: a wandb/ folder of two run folders written from the documented format
// (tests/support/wandb_writer.h), opened directly as a source in the real MainWindow, both runs
// selected and compared: every history point of each run is in the Compare charts, at its step,
// with its value, and painted (not decimated), each run in its own colour.

#include "charts/metric_chart.h"
#include "compare/compare_view.h"
#include "import/source_reader.h"
#include "main_window.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "support/wandb_writer.h"

#include <QChart>
#include <QImage>
#include <QListWidget>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;
using namespace reprise::test::wandb;

namespace {

/// One W&B run as the tests write it: `steps` history rows of loss = 1 / (1 + lr·step) and a nested
/// val/acc = lr · step / 10, a summary with test_acc, an exit record and a config.yaml with lr.
struct WandbRun {
    QByteArray id;
    QByteArray name;
    double lr;
    int steps;

    double loss(int step) const { return 1.0 / (1.0 + lr * step); }
    double valAcc(int step) const { return lr * step / 10.0; }
};

constexpr qint64 kStart = 1767268800; // 2026-01-01 12:00 UTC

void writeRunFolder(const QString& wandbDir, const WandbRun& run)
{
    const QString dir = wandbDir + QStringLiteral("/run-20260101_120000-") + QString::fromLatin1(run.id);
    QList<QByteArray> records;
    records << field(21, {}); // header
    records << field(17,
        field(1, run.id) + field(2, "team") + field(3, "digits") + field(8, run.name) + field(13, "box")
            + field(17, timestamp(kStart)));
    for (int step = 0; step < run.steps; ++step)
        records << history({ item("_step", QByteArray::number(step)),
            item("_timestamp", QByteArray::number(double(kStart + 10 + step), 'f', 1)),
            item("_runtime", QByteArray::number(10 + step)), item("loss", QByteArray::number(run.loss(step), 'g', 17)),
            item("val", QByteArray(R"({"acc": )") + QByteArray::number(run.valAcc(step), 'g', 17) + "}") });
    records << field(3, field(1, item("test_acc", "0.93")));
    records << field(18, number(1, 0) + number(2, 10 + run.steps));
    writeTo(dir + QStringLiteral("/run-") + QString::fromLatin1(run.id) + QStringLiteral(".wandb"), wandbFile(records));
    writeTo(dir + QStringLiteral("/files/config.yaml"),
        "wandb_version: 1\nlr:\n  desc: null\n  value: " + QByteArray::number(run.lr) + "\n");
}

/// Raw points painted for the chart's two curves after its last redraw; -1 before it drew both.
qsizetype paintedPoints(const MetricChart* chart)
{
    if (chart->drawnPointCounts().size() != 2)
        return -1;
    return qsizetype(chart->drawn(0).raw.x.size() + chart->drawn(1).raw.x.size());
}

MetricChart* chartOf(CompareView* compare, const QString& key)
{
    for (MetricChart* chart : compare->charts())
        if (chart->chart()->title() == key)
            return chart;
    return nullptr;
}

} // namespace

class TestWandbCompare : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void historyPointsShowInCompare();

private:
    QTemporaryDir m_dir;
};

void TestWandbCompare::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Settings, the source cache and the default database of this test in folders of its own.
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("data")).toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("reprise-test"));
    QCoreApplication::setApplicationName(QStringLiteral("reprise-test"));
}

void TestWandbCompare::historyPointsShowInCompare()
{
    const QList<WandbRun> runs { { "aaaa1111", "bright-sun-1", 0.1, 40 }, { "bbbb2222", "calm-moon-2", 0.3, 25 } };
    const QString root = m_dir.filePath(QStringLiteral("project/wandb"));
    for (const WandbRun& run : runs)
        writeRunFolder(root, run);
    QCOMPARE(int(detectSource(root)), int(SourceKind::Wandb));

    // Opened directly, as File ▸ Open Folder… does: read into a cache, shown read-only.
    MainWindow window({});
    window.resize(1400, 900);
    window.show();
    window.openSource(root);
    QTRY_VERIFY_WITH_TIMEOUT(!window.isImporting() && window.sources().size() == 1, 30000);
    const QString source = window.currentSource();
    QCOMPARE(int(window.sourceKind(source)), int(SourceKind::Wandb));
    QVERIFY2(window.sourceLabel(source).contains(QStringLiteral("read-only")), qPrintable(window.sourceLabel(source)));
    RunBrowser* browser = window.runBrowser();
    QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 2, 30000);

    // The runs by name, as the table shows them.
    QMap<QString, QString> idOf;
    for (int r = 0; r < browser->proxy()->rowCount(); ++r)
        idOf.insert(browser->proxy()->index(r, RunTableModel::NameColumn).data().toString(),
            browser->proxy()->index(r, 0).data(RunTableModel::RunIdRole).toString());
    QCOMPARE(idOf.keys(), QStringList({ "bright-sun-1", "calm-moon-2" }));

    // Both selected, then Compare.
    browser->view()->selectRow(0);
    QTest::mouseClick(browser->view()->viewport(), Qt::LeftButton, Qt::ControlModifier,
        browser->view()->visualRect(browser->proxy()->index(1, 1)).center());
    QCOMPARE(browser->selectedRunIds().size(), 2);
    QVERIFY(window.showView(QStringLiteral("compare")));
    CompareView* compare = window.compareView();
    QTRY_VERIFY_WITH_TIMEOUT(!compare->isBusy() && !compare->charts().isEmpty(), 30000);
    QCOMPARE(compare->legend()->count(), 2);
    for (const QString& key : { QStringLiteral("loss"), QStringLiteral("val/acc"), QStringLiteral("test_acc") })
        QVERIFY2(compare->availableKeys().contains(key), qPrintable(compare->availableKeys().join(u',')));

    // Every history point of each run, at its step, with its value.
    for (const QString& key : { QStringLiteral("loss"), QStringLiteral("val/acc") }) {
        compare->setKeys({ key });
        QTRY_VERIFY_WITH_TIMEOUT(!compare->isBusy() && chartOf(compare, key), 30000);
        MetricChart* chart = chartOf(compare, key);
        QCOMPARE(chart->curves().size(), size_t(2));
        for (const ChartCurve& curve : chart->curves()) {
            const auto run = std::find_if(runs.begin(), runs.end(),
                [&](const WandbRun& r) { return idOf.value(QString::fromLatin1(r.name)) == curve.runId; });
            QVERIFY2(run != runs.end(), qPrintable(curve.runId));
            QCOMPARE(curve.x->size(), size_t(run->steps));
            QCOMPARE(curve.y->size(), size_t(run->steps));
            for (int step = 0; step < run->steps; ++step) {
                QCOMPARE((*curve.x)[size_t(step)], double(step));
                QCOMPARE((*curve.y)[size_t(step)], key == QLatin1String("loss") ? run->loss(step) : run->valAcc(step));
            }
        }
        // Painted as they are: fewer points than pixels, none left out.
        QTRY_COMPARE_WITH_TIMEOUT(paintedPoints(chart), qsizetype(40 + 25), 10000);
        for (std::size_t i = 0; i < 2; ++i)
            QVERIFY(!chart->drawn(i).raw.decimated);
    }

    // The summary's key without a history: one point per run, at its last step.
    compare->setKeys({ QStringLiteral("test_acc") });
    QTRY_VERIFY_WITH_TIMEOUT(!compare->isBusy() && chartOf(compare, QStringLiteral("test_acc")), 30000);
    for (const ChartCurve& curve : chartOf(compare, QStringLiteral("test_acc"))->curves()) {
        QCOMPARE(curve.y->size(), size_t(1));
        QCOMPARE(curve.y->front(), 0.93);
    }

    // On screen: each run's colour is painted in the charts.
    compare->setKeys({ QStringLiteral("loss"), QStringLiteral("val/acc") });
    QTRY_VERIFY_WITH_TIMEOUT(!compare->isBusy() && compare->charts().size() == 2, 30000);
    for (MetricChart* chart : compare->charts()) // redrawn off the GUI thread: landed before the grab
        QTRY_COMPARE_WITH_TIMEOUT(paintedPoints(chart), qsizetype(40 + 25), 10000);
    const QImage image = window.grab().toImage().convertToFormat(QImage::Format_RGB32);
    const QString png = m_dir.filePath(QStringLiteral("wandb-compare.png"));
    QVERIFY(image.save(png));
    if (const QByteArray keep = qgetenv("REPRISE_TEST_SCREENSHOTS"); !keep.isEmpty())
        image.save(QString::fromLocal8Bit(keep) + QStringLiteral("/wandb-compare.png"));
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            colours.insert(image.pixel(x, y) | 0xff000000U);
    const std::vector<ChartCurve>& curves = compare->charts().first()->curves();
    QVERIFY(curves[0].colour != curves[1].colour);
    for (const ChartCurve& curve : curves)
        QVERIFY2(colours.contains(curve.colour.rgb() | 0xff000000U), qPrintable(curve.runId));
}

QTEST_MAIN(TestWandbCompare)
#include "tst_wandb_compare.moc"
