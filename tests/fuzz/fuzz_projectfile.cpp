// libFuzzer target: any bytes given to the project loader either load, or fail
// with a ProjectFormatError. A loaded project is analysed (the editor does so
// at once), saved and loaded again, and must come back equal.

#include "analysis/Analysis.h"
#include "document/ProjectFile.h"

#include <cstdint>
#include <cstdlib>

using namespace mc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    ProjectData project;
    try {
        project = ProjectFile::fromBytes(bytes);
    } catch (const ProjectFormatError &) {
        return 0;
    }
    const Analysis analysis(project);
    (void)analysis.summaryTable();
    const ProjectData again = ProjectFile::fromBytes(ProjectFile::toBytes(project));
    if (!(again == project))
        std::abort(); // save then load must give an equal document
    return 0;
}
