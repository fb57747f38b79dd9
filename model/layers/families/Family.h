#pragma once

// What the families' files share: option constructors, shape helpers and the
// list each family gives LayerRegistry. Internal to model/layers.

#include "layers/LayerBuild.h"
#include "layers/LayerDefinition.h"
#include "layers/PythonText.h"

#include <QList>
#include <QString>

namespace mc::family {

// --- the families, listed by LayerRegistry.cpp in palette order ---------------
QList<LayerDefinition> linearLayers();        // Linear.cpp
QList<LayerDefinition> convolutionLayers();   // Convolution.cpp
QList<LayerDefinition> poolingLayers();       // Pooling.cpp
QList<LayerDefinition> normalizationLayers(); // Normalization.cpp
QList<LayerDefinition> activationLayers();    // Activations.cpp
QList<LayerDefinition> shapeLayers();         // ShapeOps.cpp
QList<LayerDefinition> operatorLayers();      // Operators.cpp

// --- options ------------------------------------------------------------------
OptionSpec integer(const QString &name, double def, double min, const QString &doc);
/// A size the shape rule takes from the input when it is omitted (or 0).
OptionSpec inferredSize(const QString &name, const QString &doc);
OptionSpec requiredInteger(const QString &name, double min, const QString &doc);
OptionSpec real(const QString &name, double def, double min, double max, const QString &doc);
OptionSpec boolean(const QString &name, bool def, const QString &doc);
OptionSpec choice(const QString &name, const QString &def, const QStringList &choices, const QString &doc);
/// `kernel_size` and its kin: `size` numbers, or one for all.
OptionSpec tuple(const QString &name, int size, QList<double> def, double min, const QString &doc);
/// A tuple with no default that must be given (`kernel_size`).
OptionSpec requiredTuple(const QString &name, int size, double min, const QString &doc);
/// A list of whole numbers of any length (`Reshape.shape`).
OptionSpec dims(const QString &name, double min, const QString &doc, bool required = true);

// --- shapes -------------------------------------------------------------------
/// A dimension in words: `16 input channels`.
QString count(qint64 n, const QString &what);
/// Checks that input 0 has `rank` dimensions (or one of `ranks`); the sentence
/// says what the layer takes ("`conv1` takes [C, H, W], `x` gives [784]").
bool needRank(LayerShapes &s, int rank, const QString &form);
/// Fills an inferable option from dimension `dim` of input 0 (0 or absent:
/// take it), or checks that a given value agrees with it; the sentence names
/// both sides with `what` ("features", "input channels").
bool inferOrCheck(LayerShapes &s, const QString &option, int dim, const QString &what);
/// PyTorch's output length of a sliding window (convolution and pooling).
qint64 windowOutput(qint64 in, qint64 kernel, qint64 stride, qint64 padding, qint64 dilation);
/// The same shape as input 0 (activations, dropout).
void sameShape(LayerShapes &s);

// --- sliding windows (convolution and pooling) ---------------------------------
inline const QString kKernel = QStringLiteral("kernel_size");
inline const QString kStride = QStringLiteral("stride");
inline const QString kPadding = QStringLiteral("padding");
inline const QString kDilation = QStringLiteral("dilation");
/// What an N-d window layer takes after the batch: `[C, L]` or `[C, H, W]`.
QString spatialForm(int n);
/// The `n` dimensions after the channels of a [C, *spatial] shape, unknown
/// where not known.
QList<qint64> spatialOf(const Shape &in, int n);
/// `5` when every number is the same, else `3×5`.
QString sizeText(const std::vector<int64_t> &v);
/// ` with kernel 5`, ` with kernel 3, padding 1 and dilation 2` (padding and
/// dilation only where they are not 0 and 1).
QString windowText(const std::vector<int64_t> &kernel, const std::vector<int64_t> &padding,
                   const std::vector<int64_t> &dilation);

// --- code ---------------------------------------------------------------------
/// `return <expression>\n`, the body of a one-line forward.
QString returns(const QString &expression);
/// `self.bias` or `None`.
QString optionalTensor(bool present, const QString &name);

} // namespace mc::family
