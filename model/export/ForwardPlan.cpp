#include "export/ForwardPlan.h"

#include "export/ExportError.h"

#include <QHash>

namespace mc {

namespace {

[[noreturn]] void incomplete(const QString &what)
{
    throw ExportError(QStringLiteral("The model cannot be exported: %1.").arg(what).toStdString());
}

} // namespace

ForwardPlan ForwardPlan::make(const ProjectData &project, const TypeEval &eval, LocalNames &names)
{
    const ModuleType *type = project.type(eval.type);
    if (!type)
        incomplete(QStringLiteral("there is no module type `%1`").arg(eval.type));
    ForwardPlan plan;
    QHash<qint64, QString> value; // (node << 16 | port) -> variable
    auto key = [](int node, int port) { return (qint64(node) << 16) | qint64(port); };

    const QList<const Node *> inputs = type->ports(NodeKind::Input);
    const QList<const Node *> outputs = type->ports(NodeKind::Output);
    for (const Node *n : inputs) {
        const QString name = names.fresh(n->name);
        value.insert(key(n->id, 0), name);
        plan.inputs.append(name);
    }
    plan.outputs = QStringList(outputs.size());
    for (int id : eval.order) {
        const Node *n = type->node(id);
        if (!n || n->kind == NodeKind::Input)
            continue;
        QStringList args;
        const int inCount = n->kind == NodeKind::Output ? 1 : int(eval.nodes.value(id).in.size());
        for (int port = 0; port < inCount; ++port) {
            const std::optional<Wire> w = type->wireInto({id, port});
            if (!w || !value.contains(key(w->from.node, w->from.port)))
                incomplete(QStringLiteral("input %1 of node %2 in %3 is not connected").arg(port).arg(id).arg(eval.type));
            args.append(value.value(key(w->from.node, w->from.port)));
        }
        if (n->kind == NodeKind::Output) {
            plan.outputs[outputs.indexOf(n)] = args.first();
            continue;
        }
        const InstanceEval *ie = eval.instance(n->name);
        if (!ie)
            incomplete(QStringLiteral("`%1` of %2 was not evaluated").arg(n->name, eval.type));
        QStringList outputNames;
        if (ie->layer) {
            outputNames = ie->layer->outputs;
        } else if (const ModuleType *inner = ie->body ? project.type(ie->body->type) : nullptr) {
            for (const Node *p : inner->ports(NodeKind::Output))
                outputNames.append(p->name);
        }
        ForwardCall call;
        call.node = id;
        call.instance = ie;
        call.arguments = args;
        for (int port = 0; port < ie->out.size(); ++port) {
            const QString name = ie->out.size() == 1 || port >= outputNames.size()
                                     ? names.fresh(ie->name)
                                     : names.fresh(ie->name + QLatin1Char('_') + outputNames.at(port));
            value.insert(key(id, port), name);
            call.results.append(name);
        }
        plan.calls.append(call);
    }
    return plan;
}

} // namespace mc
