// libFuzzer target: any bytes as one image of a two-class image folder
// (the other class holds a valid 4×4 PNG). Either the folder reads, with two
// images of values in 0..1 and labels 0 and 1, or it fails with a DataError
// whose sentence names the file. The first bytes choose the file's extension
// (PNG or JPEG decoder) and the input's channels.

#include "data/DataError.h"
#include "data/ImageFolder.h"

#include <QDir>
#include <QFile>
#include <QImage>

#include <cstdint>
#include <cstdlib>
#include <unistd.h>

using namespace mc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QString root = QStringLiteral("/tmp/fuzz_imagefolder_%1").arg(getpid());
    static const bool made = [] {
        QDir().mkpath(root + QStringLiteral("/a"));
        QDir().mkpath(root + QStringLiteral("/b"));
        QImage image(4, 4, QImage::Format_Grayscale8);
        image.fill(128);
        return image.save(root + QStringLiteral("/a/good.png"));
    }();
    if (!made)
        std::abort();
    const bool jpeg = size > 0 && (data[0] & 1);
    const int channels = size > 0 && (data[0] & 2) ? 3 : 1;
    QDir(root + QStringLiteral("/b")).removeRecursively();
    QDir().mkpath(root + QStringLiteral("/b"));
    const QString path = root + (jpeg ? QStringLiteral("/b/fuzzed.jpg") : QStringLiteral("/b/fuzzed.png"));
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            std::abort();
        f.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    try {
        const ImageFolder folder = ImageFolder::read(root, channels, 4, 4);
        if (folder.images.size(0) != 2 || folder.images.size(1) != channels * 16 || folder.labels.size(0) != 2)
            std::abort();
        if (folder.images.min().item<float>() < 0.0f || folder.images.max().item<float>() > 1.0f)
            std::abort();
        if (folder.labels[0].item<int64_t>() != 0 || folder.labels[1].item<int64_t>() != 1)
            std::abort();
    } catch (const DataError &e) {
        if (!QString::fromStdString(e.what()).contains(QStringLiteral("fuzz_imagefolder_")))
            std::abort(); // every refusal names the file or folder
    }
    return 0;
}
