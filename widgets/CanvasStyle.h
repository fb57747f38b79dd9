#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

namespace mc {

/// Colours of the canvas, derived from the application palette so that the
/// canvas follows the system's light or dark theme.
class CanvasStyle
{
public:
    /// `a` blended towards `b` by `t` (0: a, 1: b).
    static QColor mix(const QColor &a, const QColor &b, double t);
    static bool isDark(const QPalette &palette);

    static QColor background(const QPalette &palette);
    static QColor gridMinor(const QPalette &palette);
    static QColor gridMajor(const QPalette &palette);
    static QColor nodeBody(const QPalette &palette);
    static QColor nodeBorder(const QPalette &palette);
    static QColor text(const QPalette &palette);
    static QColor dimText(const QPalette &palette);
    static QColor wire(const QPalette &palette);
    static QColor selection(const QPalette &palette);
    static QColor error();
    static QColor warning();
    static QColor accept();
    /// Header colour of a node: by layer category ("Layers", "Activations",
    /// "Normalization", "Operators"), "Module", "Stack" or "Port".
    static QColor category(const QString &category, const QPalette &palette);
};

} // namespace mc
