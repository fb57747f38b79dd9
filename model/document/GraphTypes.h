#pragma once

#include "layers/LayerDefinition.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QPointF>
#include <QString>

#include <optional>

namespace mc {

/// A value of an option or argument: a constant number, a tuple of whole
/// numbers (`[3, 3]`), a word (`"bilinear"`), or a reference to an argument of
/// the enclosing module type (written `{"arg": "input_dim"}` in JSON).
struct OptionValue
{
    double number = 0.0;
    QString argument;     ///< Non-empty when the value refers to an argument.
    QList<double> tuple;  ///< Non-empty when the value is a tuple.
    QString word;         ///< Non-empty when the value is a word (a choice).

    static OptionValue constant(double v) { return OptionValue{v, {}, {}, {}}; }
    static OptionValue ref(const QString &arg) { return OptionValue{0.0, arg, {}, {}}; }
    static OptionValue numbers(const QList<double> &t) { return OptionValue{0.0, {}, t, {}}; }
    static OptionValue text(const QString &w) { return OptionValue{0.0, {}, {}, w}; }
    bool isArgument() const { return !argument.isEmpty(); }
    bool isTuple() const { return !tuple.isEmpty(); }
    bool isWord() const { return !word.isEmpty(); }
    bool operator==(const OptionValue &o) const
    {
        return argument == o.argument && tuple == o.tuple && word == o.word &&
               (isArgument() || isTuple() || isWord() || number == o.number);
    }
    bool operator!=(const OptionValue &o) const { return !(*this == o); }
    /// `3`, `[3, 3]`, `bilinear` or the argument's name.
    QString toString() const;
    /// The value with an argument replaced by its value in `args`; nullopt
    /// when it names an argument that `args` does not hold.
    std::optional<mc::ResolvedValue> resolved(const QMap<QString, double> &args) const;
};

/// The declared shape of an Input node: one value per dimension after the
/// batch, each a number or an argument of the type (`[{"arg": "channels"}, 28, 28]`);
/// empty when not declared (inside a module type the caller's shape is taken).
using ShapeDecl = QList<OptionValue>;

/// Options of a layer, or argument values of a module type instance.
using OptionMap = QMap<QString, OptionValue>;

/// A named argument of a module type, with the value used when an instance omits it.
struct Argument
{
    QString name;
    double defaultValue = 0.0;
    bool operator==(const Argument &o) const
    {
        return name == o.name && defaultValue == o.defaultValue;
    }
};

/// The kind name of a stack instance (see Instance::blockType).
inline const QString kStackType = QStringLiteral("Stack");

/// A module instance: a built-in layer, an instance of a user module type, or a
/// stack of instances of one module type. Its name is the attribute name the
/// parameters carry (`encoder` in `encoder.fc.weight`); it is unique in its parent.
struct Instance
{
    QString name;
    QString type;         ///< Built-in layer name, user module type name, or kStackType.
    OptionMap options;    ///< Layer options, or argument values of a module type instance.
    QString blockType;    ///< For a stack: the module type of every block.
    QList<OptionMap> rows; ///< For a stack: the argument values of each block, in order.
    bool frozen = false;  ///< Parameters of this instance (and all below it) do not train.

    bool isStack() const { return type == kStackType; }
    bool operator==(const Instance &o) const
    {
        return name == o.name && type == o.type && options == o.options &&
               blockType == o.blockType && rows == o.rows && frozen == o.frozen;
    }
};

/// What a node is on the canvas.
enum class NodeKind {
    Input,  ///< An input of the module type; one output port.
    Output, ///< An output of the module type; one input port.
    Call,   ///< A call of an instance; ports follow the instance's type.
};

/// A node of a module type's graph. Several Call nodes may call one instance
/// (a shared instance): one set of parameters, several call sites.
struct Node
{
    int id = 0;
    NodeKind kind = NodeKind::Call;
    QString name;         ///< Instance name for a Call, port name for Input and Output.
    ShapeDecl shape;      ///< Input only: the declared shape (empty when not declared).
    QPointF pos;          ///< Position on the canvas.

    bool operator==(const Node &o) const
    {
        return id == o.id && kind == o.kind && name == o.name && shape == o.shape && pos == o.pos;
    }
};

/// A port of a node: which node, and which of its ports (from 0).
struct PortRef
{
    int node = 0;
    int port = 0;
    bool operator==(const PortRef &o) const { return node == o.node && port == o.port; }
    bool operator!=(const PortRef &o) const { return !(*this == o); }
};

/// A wire from an output port to an input port. An input port takes one wire.
struct Wire
{
    PortRef from;
    PortRef to;
    bool operator==(const Wire &o) const { return from == o.from && to == o.to; }
};

/// A module type: a graph with named inputs and outputs (its Input and Output
/// nodes, in node order), arguments, and the instances its Call nodes call.
struct ModuleType
{
    QString name;
    QString description;
    QList<Argument> arguments;
    QList<Instance> instances;
    QList<Node> nodes;
    QList<Wire> wires;

    const Node *node(int id) const;
    Node *node(int id);
    const Instance *instance(const QString &name) const;
    Instance *instance(const QString &name);
    const Argument *argument(const QString &name) const;
    /// Input nodes (or Output nodes) in port order.
    QList<const Node *> ports(NodeKind kind) const;
    /// The wire that feeds an input port, if any.
    std::optional<Wire> wireInto(PortRef to) const;
    /// Call nodes that call the named instance.
    QList<int> callsOf(const QString &instanceName) const;
    int nextNodeId() const;

    bool operator==(const ModuleType &o) const
    {
        return name == o.name && description == o.description && arguments == o.arguments &&
               instances == o.instances && nodes == o.nodes && wires == o.wires;
    }
};

/// Everything a project file holds: the module types, which one is the root
/// model, and the training settings (kept as JSON; TrainingSettings reads them).
struct ProjectData
{
    QString root;
    QList<ModuleType> types;
    QJsonObject training;

    const ModuleType *type(const QString &name) const;
    ModuleType *type(const QString &name);
    bool operator==(const ProjectData &o) const
    {
        return root == o.root && types == o.types && training == o.training;
    }
};

} // namespace mc
