#pragma once

#include "layers/Shape.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace mc {

struct LayerCall;
struct LayerBuild;

/// What kind of value an option takes.
enum class OptionKind {
    Integer, ///< A whole number (`out_features`).
    Real,    ///< A number (`eps`, `p`).
    Boolean, ///< true or false (`bias`); written 1 or 0 where a number is asked.
    Choice,  ///< One word of a list (`mode: "bilinear"`).
    Tuple,   ///< Whole numbers, one per spatial dimension (`kernel_size: [3, 3]`);
             ///< a single number stands for all of them, as in PyTorch.
    Dims,    ///< Whole numbers of any count (`Reshape.shape: [16, 7, 7]`,
             ///< `Permute.dims: [2, 0, 1]`).
};

/// One option of a built-in layer, in the manner of torch::nn::Conv2dOptions:
/// its PyTorch name, kind, default and range.
struct OptionSpec
{
    QString name;
    OptionKind kind = OptionKind::Integer;
    QList<double> defaultValue; ///< One number (or a tuple); empty: no default (None).
    QString defaultChoice;      ///< Choice: the default word.
    QStringList choices;        ///< Choice: the words allowed.
    int tupleSize = 0;          ///< Tuple: how many numbers (1 for Conv1d, 2 for Conv2d).
    bool required = false;      ///< Must be given (no default, not inferable).
    bool inferable = false;     ///< May be omitted: the shape rule takes it from the input.
    double minimum = -1e8;
    double maximum = 1e8;
    QString doc;

    /// The option is None unless given (Upsample's `size`, `scale_factor`).
    bool noneByDefault() const { return !required && !inferable && defaultValue.isEmpty() && kind != OptionKind::Choice; }
};

/// A resolved option value: numbers (one, or a tuple) or a word.
struct ResolvedValue
{
    QList<double> numbers;
    QString word;
    bool operator==(const ResolvedValue &o) const { return numbers == o.numbers && word == o.word; }
};

/// Every option of one instance with defaults, argument values and inferred
/// sizes filled in. An option that is None (not given, no default) is absent.
class ResolvedOptions
{
public:
    bool has(const QString &name) const { return m_values.contains(name); }
    /// The first number of an option (0 when absent).
    double number(const QString &name) const;
    int64_t integer(const QString &name) const { return int64_t(number(name)); }
    bool flag(const QString &name) const { return number(name) != 0; }
    /// A tuple option widened to `size` numbers (a single number repeated).
    std::vector<int64_t> tuple(const QString &name, int size) const;
    /// All numbers of a Dims or Tuple option.
    std::vector<int64_t> integers(const QString &name) const;
    QString word(const QString &name) const { return m_values.value(name).word; }
    const ResolvedValue value(const QString &name) const { return m_values.value(name); }

    void set(const QString &name, const ResolvedValue &v) { m_values.insert(name, v); }
    void setNumber(const QString &name, double v) { m_values.insert(name, ResolvedValue{{v}, {}}); }
    void remove(const QString &name) { m_values.remove(name); }
    const QMap<QString, ResolvedValue> &values() const { return m_values; }

    /// The Python export writes an option that an argument of the enclosing
    /// module type gives as that argument's name (`nn.Linear(input_dim,
    /// hidden_dim)`) instead of its value; empty when it writes the value.
    QString pythonName(const QString &name) const { return m_pythonNames.value(name); }
    void setPythonName(const QString &name, const QString &python) { m_pythonNames.insert(name, python); }

    bool operator==(const ResolvedOptions &o) const
    {
        return m_values == o.m_values && m_pythonNames == o.m_pythonNames;
    }

private:
    QMap<QString, ResolvedValue> m_values;
    QMap<QString, QString> m_pythonNames;
};

/// A tensor a layer holds, with PyTorch's name: `weight`, `bias`, `running_mean`.
struct TensorSpec
{
    QString name;
    std::vector<int64_t> shape;
    bool buffer = false; ///< A buffer (saved, not trained) rather than a parameter.
};

/// What a shape rule works on: the instance's options (which it may complete,
/// e.g. `in_features` from the input) and input shapes; it sets the output
/// shapes, or a problem sentence that names both sides.
struct LayerShapes
{
    ResolvedOptions &options;
    const Shapes &inputs;
    QString who;          ///< The instance's name, for sentences.
    QStringList sources;  ///< Who feeds each input (`encoder`, `pool1.y`).
    Shapes outputs;       ///< One per output port; unknown where it cannot be told.
    QString problem;      ///< Set on a mismatch (a sentence without the final stop).

    /// Input k, or an unknown shape when it is not there.
    Shape input(int k) const { return inputs.value(k); }
    /// The source of input k as a sentence names it (`` `pool1` ``).
    QString source(int k) const;
    /// Reports a problem unless one is already reported; returns false.
    bool fail(const QString &sentence);
};

/// A sample for the registry test: options (as the project file writes them)
/// and one input shape per input port.
struct LayerSample
{
    QString label;
    QString optionsJson; ///< `{"out_features": 4}`
    Shapes inputs;
};

/// Everything about one built-in layer (or operator), in one place: the
/// palette, the Properties panel, the analysis, the builder, the TorchScript
/// and Python exports and the registry test all read it, and nothing else
/// compares a layer's name. Defined in one file per family
/// (model/layers/families/), listed in LayerRegistry.cpp.
struct LayerDefinition
{
    QString name;         ///< The torch.nn name: `Conv2d`.
    QString category;     ///< Palette group.
    QString doc;          ///< One line for tooltips and the docs' table.
    QString instanceName; ///< The default attribute name of a new instance: `conv`.
    QList<OptionSpec> options;
    QStringList inputs{QStringLiteral("x")};  ///< Input port names.
    QStringList outputs{QStringLiteral("y")}; ///< Output port names.
    bool isOperator = false; ///< Not a module: written inline (`a + b`), holds no tensors.

    /// The shape rule: output shapes from input shapes and options (PyTorch's rules).
    void (*shapes)(LayerShapes &) = nullptr;
    /// The tensors an instance holds, with their shapes (none when null).
    QList<TensorSpec> (*tensors)(const ResolvedOptions &) = nullptr;
    /// Creates the LibTorch module on the parent (none for an operator) and
    /// says how one call runs. Defined with LibTorch in the family's file.
    LayerCall (*build)(const LayerBuild &) = nullptr;
    /// TorchScript: for a module, the body of `forward` (its arguments are
    /// named as `inputs`); for an operator, the expression of one call with the
    /// given argument names.
    QString (*script)(const ResolvedOptions &, const QStringList &arguments) = nullptr;
    /// Python: the torch.nn constructor as a person would write it, defaults
    /// left out (`nn.Conv2d(1, 8, kernel_size=3)`); for an operator, the
    /// expression (as `script`).
    /// When null, pythonCode() writes `nn.<name>(...)` from the options:
    /// those in `pythonPositional` by position, the others by keyword, each
    /// left out where it has its default. An option with a pythonName() is
    /// written as that name and never left out.
    QString (*python)(const ResolvedOptions &, const QStringList &arguments) = nullptr;
    QStringList pythonPositional;
    /// At least one sample for the registry test.
    QList<LayerSample> samples;

    const OptionSpec *option(const QString &name) const;
    /// The Python that makes this layer (a torch.nn constructor), or for an
    /// operator the expression of one call with `arguments`.
    QString pythonCode(const ResolvedOptions &options, const QStringList &arguments = {}) const;
    /// The TorchScript of one layer: the `forward` body, or the expression.
    QString scriptCode(const ResolvedOptions &options, const QStringList &arguments) const;
    /// Parameter elements (buffers not counted); -1 when a size is unknown.
    qint64 parameterCount(const ResolvedOptions &options) const;
    /// Buffer elements; -1 when a size is unknown.
    qint64 bufferCount(const ResolvedOptions &options) const;
    /// Checks a resolved value against the option's kind and range; nullopt
    /// when it fits, else what it must be ("a whole number from 1 to 100000000").
    static std::optional<QString> checkValue(const OptionSpec &option, const ResolvedValue &value);
    /// The value of an option as the project file and the panel write it (`3`, `[3, 3]`, `bilinear`).
    static QString valueText(const ResolvedValue &value);
};

} // namespace mc
