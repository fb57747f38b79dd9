#pragma once

#include <QList>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace mc {

/// The dimensions of a tensor after the batch dimension: `[1, 28, 28]` for a
/// grey image, `[32]` for 32 features, `[50, 64]` for 50 steps of 64 features.
/// The rank may be unknown (nothing feeds the port yet), and so may any single
/// dimension (kUnknown) while the user draws.
class Shape
{
public:
    static constexpr qint64 kUnknown = -1;
    /// The largest dimension and element count a shape may have; past it the
    /// analysis reports the shape instead of building it.
    static constexpr qint64 kMaxElements = qint64(1) << 31;
    /// The most parameters a model may hold (17 G: far past any desktop
    /// model); past it the analysis refuses the model before allocating.
    static constexpr qint64 kMaxParameters = qint64(1) << 34;

    /// A shape of unknown rank.
    Shape() = default;
    explicit Shape(QList<qint64> dims) : m_known(true), m_dims(std::move(dims)) {}
    /// `[n]`, or unknown when n is not positive (a feature count not known yet).
    static Shape features(qint64 n) { return n > 0 ? Shape({n}) : Shape(); }

    bool isKnown() const { return m_known; }
    /// Known rank and every dimension known.
    bool isComplete() const;
    int rank() const { return int(m_dims.size()); }
    const QList<qint64> &dims() const { return m_dims; }
    /// Dimension k, counted from the end when negative (`dim(-1)` is the last);
    /// kUnknown when the rank or that dimension is not known or k is outside it.
    qint64 dim(int k) const;
    /// The number of elements per sample; kUnknown when not complete, and
    /// std::nullopt when it would overflow kMaxElements.
    std::optional<qint64> elements() const;

    /// The sizes of a batch of such tensors: `{batch, 1, 28, 28}`.
    std::vector<int64_t> batched(int64_t batch) const;

    /// `1×28×28`, `32`, `?×64`, or `?` (the canvas's compact form).
    QString text() const;
    /// `[1, 28, 28]` (sentences and the summary).
    QString listText() const;

    bool operator==(const Shape &o) const { return m_known == o.m_known && m_dims == o.m_dims; }
    bool operator!=(const Shape &o) const { return !(*this == o); }

private:
    bool m_known = false;
    QList<qint64> m_dims;
};

using Shapes = QList<Shape>;

/// How a list of shapes is written: as lists (`[1, 28, 28], [5]`: the
/// summary, the Properties panel) or compact (`1×28×28, 5`: narrow columns
/// and sentences such as `15→12 inputs`).
enum class ShapesForm { List, Compact };
/// Several ports' shapes, joined by `, `; `-` for none.
QString shapesText(const Shapes &shapes, ShapesForm form = ShapesForm::List);

} // namespace mc
