#include "CanvasStyle.h"

namespace mc {

QColor CanvasStyle::mix(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t),
                            float(a.alphaF() + (b.alphaF() - a.alphaF()) * t));
}

bool CanvasStyle::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor CanvasStyle::background(const QPalette &palette)
{
    const QColor base = palette.color(QPalette::Base);
    return isDark(palette) ? mix(base, Qt::black, 0.15) : mix(base, palette.color(QPalette::Window), 0.55);
}

QColor CanvasStyle::gridMinor(const QPalette &palette)
{
    return mix(background(palette), palette.color(QPalette::Text), 0.05);
}

QColor CanvasStyle::gridMajor(const QPalette &palette)
{
    return mix(background(palette), palette.color(QPalette::Text), 0.11);
}

QColor CanvasStyle::nodeBody(const QPalette &palette)
{
    const QColor base = palette.color(QPalette::Base);
    return isDark(palette) ? mix(base, Qt::white, 0.07) : base;
}

QColor CanvasStyle::nodeBorder(const QPalette &palette)
{
    return mix(nodeBody(palette), palette.color(QPalette::Text), 0.35);
}

QColor CanvasStyle::text(const QPalette &palette)
{
    return palette.color(QPalette::Text);
}

QColor CanvasStyle::dimText(const QPalette &palette)
{
    return mix(palette.color(QPalette::Text), nodeBody(palette), 0.4);
}

QColor CanvasStyle::wire(const QPalette &palette)
{
    return mix(background(palette), palette.color(QPalette::Text), 0.55);
}

QColor CanvasStyle::selection(const QPalette &palette)
{
    return palette.color(QPalette::Highlight);
}

QColor CanvasStyle::error()
{
    return QColor(0xd6, 0x45, 0x45);
}

QColor CanvasStyle::warning()
{
    return QColor(0xd9, 0x9a, 0x06);
}

QColor CanvasStyle::accept()
{
    return QColor(0x2e, 0xa0, 0x5a);
}

QColor CanvasStyle::category(const QString &category, const QPalette &palette)
{
    QColor c;
    if (category == QLatin1String("Layers"))
        c = QColor(0x3f, 0x6f, 0xc4);
    else if (category == QLatin1String("Convolution"))
        c = QColor(0x2c, 0x5a, 0xa0);
    else if (category == QLatin1String("Pooling"))
        c = QColor(0x4a, 0x7f, 0xb5);
    else if (category == QLatin1String("Shape"))
        c = QColor(0x6b, 0x76, 0x88);
    else if (category == QLatin1String("Activations"))
        c = QColor(0x2f, 0x8f, 0x62);
    else if (category == QLatin1String("Normalization"))
        c = QColor(0x1f, 0x88, 0x94);
    else if (category == QLatin1String("Operators"))
        c = QColor(0xc0, 0x74, 0x1f);
    else if (category == QLatin1String("Module"))
        c = QColor(0x7b, 0x55, 0xbd);
    else if (category == QLatin1String("Stack"))
        c = QColor(0xa3, 0x4a, 0x8c);
    else
        c = QColor(0x5d, 0x6b, 0x7e);
    return isDark(palette) ? c.darker(115) : c;
}

} // namespace mc
