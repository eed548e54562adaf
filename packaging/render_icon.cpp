// Renders the application's SVG icon into the PNG sizes a desktop's icon theme wants, at build
// time, so the PNGs are never out of date with the SVG and nothing binary is kept in the tree.
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <cstdio>

int main(int argc, char** argv)
{
    // render_icon ICON.svg OUT_DIR SIZE... → OUT_DIR/SIZExSIZE.png
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: render_icon ICON.svg OUT_DIR SIZE...\n");
        return 2;
    }
    QSvgRenderer svg(args[1]);
    if (!svg.isValid()) {
        std::fprintf(stderr, "render_icon: %s is not a valid SVG\n", qPrintable(args[1]));
        return 1;
    }
    for (qsizetype i = 3; i < args.size(); ++i) {
        const int size = args[i].toInt();
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        svg.render(&painter);
        painter.end();
        const QString out = args[2] + QStringLiteral("/%1x%1.png").arg(size);
        if (!image.save(out)) {
            std::fprintf(stderr, "render_icon: could not write %s\n", qPrintable(out));
            return 1;
        }
    }
    return 0;
}
