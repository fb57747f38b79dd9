#pragma once

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

/// One option of a built-in layer, in the manner of torch::nn::LinearOptions.
struct OptionSpec
{
    QString name;
    double defaultValue = 0.0;
    bool required = false;  ///< Must be given (no default, not inferable).
    bool inferable = false; ///< May be omitted: taken from the incoming wire's size.
    bool integer = false;   ///< Must be a whole number.
    bool boolean = false;   ///< 0 or 1.
    double minimum = -1e300;
    double maximum = 1e300;
    QString doc;
};

/// A built-in layer type (Linear, ReLU, …) or operator (Add, Multiply, Concat).
struct LayerSpec
{
    QString name;
    QString category;     ///< Palette group: "Layers", "Activations", "Normalization", "Operators".
    QString doc;
    QStringList inputs;   ///< Input port names; every layer has one output.
    bool isOperator = false; ///< Operators are not registered as modules.
    QList<OptionSpec> options;

    const OptionSpec *option(const QString &name) const;
};

/// Resolved (numeric) option values of one instance.
using ResolvedOptions = QMap<QString, double>;

/// The catalogue of built-in layers: their options, ports, sizes and parameter counts.
class LayerCatalog
{
public:
    /// Every built-in layer, in palette order.
    static const QList<LayerSpec> &all();
    /// The layer named `name`, or nullptr.
    static const LayerSpec *find(const QString &name);
    static bool isBuiltin(const QString &name) { return find(name) != nullptr; }

    /// The output feature count for the given input counts (-1 = unknown). On a
    /// mismatch returns -1 and writes a sentence to *problem that names `who` and
    /// the nodes that feed it (`sources`, one per input).
    static int outputFeatures(const LayerSpec &spec, const ResolvedOptions &options,
                              const QList<int> &inputs, const QString &who,
                              const QStringList &sources, QString *problem);
    /// The size that an inferable option takes (e.g. Linear.in_features): the
    /// given option if set, else the input's size, else -1.
    static int inferredInput(const LayerSpec &spec, const ResolvedOptions &options,
                             const QList<int> &inputs);
    /// Trainable tensor elements of one instance (-1 when a size is unknown).
    static qint64 parameterCount(const LayerSpec &spec, const ResolvedOptions &options,
                                 const QList<int> &inputs);
};
