# Builds the Python client's wheel with the standard tools, offline, and unpacks it for the system
# interpreter (cmake -P; run by the reprise_python target, packaging/CMakeLists.txt):
#   1. stages clients/python (pyproject.toml, reprise/*.py, reprise/schema/*.sql) into STAGE, so the
#      source tree gets no build/ or egg-info litter, and writes reprise/_version.py = VERSION there
#      (the CMake project version, the executable's: the one source of the version);
#   2. `PYTHON -m build --wheel --no-isolation` (Debian's python3-build, setuptools and wheel) into
#      WHEEL_DIR, with SOURCE_DATE_EPOCH set so the same sources give the same wheel bytes;
#   3. unpacks the wheel into SITE_DIR (lib/python3/dist-packages) as dpkg installs it: the package and
#      its .dist-info, without RECORD (the files belong to the Debian package, not to pip).
# Arguments (-D): SOURCE STAGE VERSION PYTHON WHEEL_DIR SITE_DIR
foreach(arg SOURCE STAGE VERSION PYTHON WHEEL_DIR SITE_DIR)
    if(NOT DEFINED ${arg})
        message(FATAL_ERROR "build_wheel.cmake: -D${arg}=... is missing")
    endif()
endforeach()

set(wheel_name reprise-${VERSION}-py3-none-any.whl)
file(REMOVE_RECURSE ${STAGE})
file(MAKE_DIRECTORY ${STAGE}/reprise/schema)
file(COPY ${SOURCE}/pyproject.toml DESTINATION ${STAGE})
file(GLOB modules ${SOURCE}/reprise/*.py)
list(FILTER modules EXCLUDE REGEX "/_version\\.py$")
file(COPY ${modules} DESTINATION ${STAGE}/reprise)
file(GLOB schema ${SOURCE}/reprise/schema/*.sql)
file(COPY ${schema} DESTINATION ${STAGE}/reprise/schema)
file(WRITE ${STAGE}/reprise/_version.py
     "# Written by the build from the CMake project version (the reprise executable's).\n__version__ = \"${VERSION}\"\n")

if(DEFINED ENV{SOURCE_DATE_EPOCH})
    set(epoch $ENV{SOURCE_DATE_EPOCH})
else()
    set(epoch 315532800) # 1980-01-01, the earliest time a zip entry can carry
endif()
file(REMOVE ${WHEEL_DIR}/${wheel_name})
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env SOURCE_DATE_EPOCH=${epoch} PYTHONDONTWRITEBYTECODE=1 PIP_NO_INDEX=1
            ${PYTHON} -m build --wheel --no-isolation --outdir ${WHEEL_DIR} ${STAGE}
    WORKING_DIRECTORY ${STAGE}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0 OR NOT EXISTS ${WHEEL_DIR}/${wheel_name})
    message(FATAL_ERROR "${output}\nbuilding the Python client's wheel ${wheel_name} with `${PYTHON} -m build` failed "
                        "(needs Debian's python3-build, python3-setuptools and python3-wheel: ./setup.sh installs them)")
endif()

file(REMOVE_RECURSE ${SITE_DIR}/reprise ${SITE_DIR}/reprise-${VERSION}.dist-info)
file(GLOB old_dist_info ${SITE_DIR}/reprise-*.dist-info)
if(old_dist_info)
    file(REMOVE_RECURSE ${old_dist_info})
endif()
file(MAKE_DIRECTORY ${SITE_DIR})
file(ARCHIVE_EXTRACT INPUT ${WHEEL_DIR}/${wheel_name} DESTINATION ${SITE_DIR})
file(REMOVE ${SITE_DIR}/reprise-${VERSION}.dist-info/RECORD)
file(WRITE ${SITE_DIR}/reprise-${VERSION}.dist-info/INSTALLER "dpkg\n")
