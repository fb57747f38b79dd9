#include "export/ExportedWeights.h"

#include <QFileInfo>

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include <functional>
#include <memory>
#include <stdexcept>

namespace mc {

namespace {

/// Walks the unpickled module tree, naming each tensor by its attribute path.
void collect(const c10::IValue &value, const std::string &prefix, std::map<std::string, torch::Tensor> &out,
             int depth)
{
    if (depth > 256)
        throw std::runtime_error("nested too deeply");
    if (value.isTensor()) {
        if (!prefix.empty())
            out.emplace(prefix, value.toTensor());
        return;
    }
    if (!value.isObject())
        return;
    const auto object = value.toObject();
    const auto type = object->type();
    const size_t slots = object->slots().size();
    for (size_t i = 0; i < slots && i < type->numAttributes(); ++i) {
        const std::string name = type->getAttributeName(i);
        collect(object->getSlot(i), prefix.empty() ? name : prefix + '.' + name, out, depth + 1);
    }
}

} // namespace

std::map<std::string, torch::Tensor> ExportedWeights::read(const QString &ptPath)
{
    const QString file = QFileInfo(ptPath).fileName();
    try {
        caffe2::serialize::PyTorchStreamReader reader(ptPath.toStdString());
        auto unit = std::make_shared<torch::jit::CompilationUnit>();
        std::map<std::string, c10::ClassTypePtr> classes;
        auto resolve = [&](const c10::QualifiedName &name) {
            auto &cls = classes[name.qualifiedName()];
            if (!cls)
                cls = c10::ClassType::create(name, unit, /*is_module=*/true);
            return c10::StrongTypePtr(unit, cls);
        };
        auto load = [](const c10::StrongTypePtr &type, c10::IValue input) {
            auto cls = type.type_->expect<c10::ClassType>();
            if (!input.isGenericDict())
                throw std::runtime_error("a module's state is not a plain dictionary");
            const auto dict = input.toGenericDict();
            for (const auto &entry : dict)
                if (entry.key().isString() && !cls->findAttributeSlot(entry.key().toStringRef()))
                    cls->addAttribute(entry.key().toStringRef(), entry.value().type());
            auto object = c10::ivalue::Object::create(type, cls->numAttributes());
            for (const auto &entry : dict)
                if (entry.key().isString())
                    object->setSlot(*cls->findAttributeSlot(entry.key().toStringRef()), entry.value());
            return object;
        };
        const c10::IValue root = torch::jit::readArchiveAndTensors(
            "data", "", "", torch::jit::TypeResolver(resolve), torch::jit::ObjLoader(load), at::Device(at::kCPU),
            reader);
        std::map<std::string, torch::Tensor> tensors;
        collect(root, {}, tensors, 0);
        return tensors;
    } catch (const std::exception &e) {
        throw std::runtime_error(
            QStringLiteral("The weights of %1 cannot be read: %2")
                .arg(file, QString::fromUtf8(e.what()).section(QLatin1Char('\n'), 0, 0))
                .toStdString());
    }
}

} // namespace mc
