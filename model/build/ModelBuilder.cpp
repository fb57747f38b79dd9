#include "build/ModelBuilder.h"

#include "layers/LayerBuild.h"

#include <algorithm>
#include <QHash>

namespace mc {

namespace {

using mc::Slots;

std::string str(const QString &s)
{
    return s.toStdString();
}

void freeze(torch::nn::Module &m)
{
    for (auto &p : m.parameters())
        p.set_requires_grad(false);
}

ComposedModule buildType(const ProjectData &project, const TypeEval &eval)
{
    const ModuleType &t = *project.type(eval.type);
    const auto inputs = t.ports(NodeKind::Input);
    const auto outputs = t.ports(NodeKind::Output);
    ComposedModule module(str(t.name), int(inputs.size()), int(outputs.size()));

    // Every output port of every node gets a slot, numbered as the schedule runs.
    QHash<qint64, int> slotOf; // (node id << 16 | port) -> slot
    auto key = [](int node, int port) { return (qint64(node) << 16) | qint64(port); };
    int slotCount = 0;
    std::vector<int> inputSlots, outputSlots;
    std::vector<ComposedModuleImpl::Step> steps;
    std::vector<int> lastReader; // slot -> the step that reads it last (-1: none)

    // Register each instance once, in the type's instance order, so that
    // parameter order and initialisation follow the document.
    QHash<QString, const InstanceEval *> instances;
    for (const InstanceEval &ie : eval.instances)
        instances.insert(ie.name, &ie);
    QHash<QString, std::shared_ptr<torch::nn::Module>> registered;
    QHash<QString, mc::LayerCall> callers; // built-in instance -> its call, shared by its call sites
    for (const Instance &inst : t.instances) {
        const InstanceEval *ie = instances.value(inst.name);
        if (!ie)
            continue;
        if (ie->body) {
            ComposedModule child = buildType(project, *ie->body);
            if (ie->frozen)
                freeze(*child);
            module->register_module(str(ie->name), child);
            registered.insert(ie->name, child.ptr());
        } else if (ie->type == kStackType) {
            BlockStack stack;
            for (const auto &block : ie->blocks)
                stack->append(buildType(project, *block));
            if (ie->frozen)
                freeze(*stack);
            module->register_module(str(ie->name), stack);
            registered.insert(ie->name, stack.ptr());
        } else {
            callers.insert(ie->name, ie->layer->build(mc::LayerBuild{*module, str(ie->name), ie->options}));
            if (ie->frozen) {
                // named_children() returns a copy: keep it alive while its item is used
                // (find() into the temporary read freed memory; ThreadSanitizer saw it).
                const auto children = module->named_children();
                if (const auto *child = children.find(str(ie->name)))
                    freeze(**child);
            }
        }
    }

    outputSlots.assign(outputs.size(), 0);
    // Inputs first, in port order.
    for (const Node *n : inputs) {
        slotOf.insert(key(n->id, 0), slotCount);
        inputSlots.push_back(slotCount++);
    }
    for (int id : eval.order) {
        const Node &n = *t.node(id);
        if (n.kind == NodeKind::Input)
            continue;
        std::vector<int> in;
        const int inCount = n.kind == NodeKind::Output ? 1 : int(eval.nodes.value(id).in.size());
        for (int port = 0; port < inCount; ++port) {
            const std::optional<Wire> w = t.wireInto({id, port});
            in.push_back(slotOf.value(key(w->from.node, w->from.port)));
        }
        if (n.kind == NodeKind::Output) {
            outputSlots[size_t(outputs.indexOf(&n))] = in[0];
            continue;
        }
        for (int s : in) {
            if (size_t(s) >= lastReader.size())
                lastReader.resize(size_t(s) + 1, -1);
            lastReader[size_t(s)] = int(steps.size());
        }
        const InstanceEval &ie = *instances.value(n.name);
        const int outCount = int(ie.out.size());
        std::vector<int> out;
        for (int port = 0; port < outCount; ++port) {
            slotOf.insert(key(id, port), slotCount);
            out.push_back(slotCount++);
        }
        if (ie.body) {
            auto child = std::static_pointer_cast<ComposedModuleImpl>(registered.value(ie.name));
            if (child->inputCount() == 1 && child->outputCount() == 1) {
                const int a = in[0], o = out[0];
                steps.push_back({[child, a, o](Slots &s) { s[size_t(o)] = child->forward(s[size_t(a)]); },
                                 str(ie.name)});
            } else {
                steps.push_back({[child, in, out](Slots &s) {
                                     std::vector<torch::Tensor> args;
                                     args.reserve(in.size());
                                     for (int k : in)
                                         args.push_back(s[size_t(k)]);
                                     auto results = child->forwardAll(args);
                                     for (size_t k = 0; k < out.size(); ++k)
                                         s[size_t(out[k])] = results[k];
                                 },
                                 str(ie.name)});
            }
        } else if (ie.type == kStackType) {
            auto stack = std::static_pointer_cast<BlockStackImpl>(registered.value(ie.name));
            const int a = in[0], o = out[0];
            steps.push_back({[stack, a, o](Slots &s) { s[size_t(o)] = stack->forward(s[size_t(a)]); },
                             str(ie.name)});
        } else if (in.size() == 1 && out.size() == 1) {
            // The usual call, with its slots as plain numbers.
            const auto run = callers.value(ie.name).run;
            const std::vector<int> a{in[0]}, o{out[0]};
            steps.push_back({[run, a, o](Slots &s) { run(s, a, o); }, str(ie.name)});
        } else {
            const auto run = callers.value(ie.name).run;
            steps.push_back({[run, in, out](Slots &s) { run(s, in, out); }, str(ie.name)});
        }
    }
    // Each slot is dropped after its last reader, unless the module returns it.
    for (size_t s = 0; s < lastReader.size(); ++s)
        if (lastReader[s] >= 0 && std::find(outputSlots.begin(), outputSlots.end(), int(s)) == outputSlots.end())
            steps[size_t(lastReader[s])].release.push_back(int(s));
    module->setSchedule(std::move(steps), slotCount, std::move(inputSlots), std::move(outputSlots));
    return module;
}

} // namespace

ComposedModule ModelBuilder::build(const ProjectData &project, std::optional<uint64_t> seed)
{
    return build(CheckedModel::check(project), seed);
}

ComposedModule ModelBuilder::build(const CheckedModel &model, std::optional<uint64_t> seed)
{
    if (seed)
        torch::manual_seed(*seed);
    return buildType(model.project(), model.root());
}

} // namespace mc
