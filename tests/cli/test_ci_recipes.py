#!/usr/bin/env python3
"""docs/CI.md's pipelines replayed on this machine, job by job, with the built esp_enc_img:

    test_ci_recipes.py CI.md ESP_ENC_IMG SOURCE_DIR WORKDIR SCENARIO...

SCENARIO is github, github-failed-device, gitlab or kubernetes. Each builds a scratch repository
(keys/, fleet/manifest.json with eight devices of three key kinds, the page's composite action),
runs the page's jobs in the order their needs give, and checks what the last job hands over: the
merged fleet manifest, every device ok, and each image decrypting, with that device's private
key, to the app. github-failed-device gives one device a broken key: its shard's job and the
merge fail, the merged manifest is still handed over and names that device. Prints "FAIL: ..."
for each failed check; exit status 0 when every check passed.

What is modelled, from the runners' documentation (GitHub: actions/upload-artifact@v4 and
actions/download-artifact@v4, their README and action.yml; GitLab: artifacts:paths, needs):
- GitHub: jobs in needs order, a job's matrix expanded (${{ matrix.* }}, ${{ strategy.job-total }},
  ${{ strategy.job-index }}), ${{ secrets.* }}, ${{ runner.temp }}, ${{ github.workspace }};
  if: with success(), failure(), always(), cancelled(), !cancelled() (nothing is ever cancelled
  here); a run: step as `bash --noprofile --norc -eo pipefail` when the shell is bash by name,
  `bash -e` when no shell is named, in a fresh workspace per job with RUNNER_TEMP beside it.
  upload-artifact@v4: each line of path a pattern (! excludes), its search path the part before
  the first wildcard; the artifact's root is the least common ancestor of the search paths when
  there are several, the file's folder when the one path is that file, else the one search path;
  files are stored relative to that root; hidden files are left out; no files is a warning; a
  second artifact of the same name fails. download-artifact@v4: with name, that artifact into
  path (default: the workspace); without, every artifact whose name matches pattern, each into
  path/NAME/, or all into path with merge-multiple; a job sees the artifacts of the jobs it
  needs, directly or not.
- GitLab: the jobs of .gitlab-ci.yml after extends (hashes merged deeply), parallel: N as N jobs
  with CI_NODE_INDEX 1..N and CI_NODE_TOTAL N, in stage order and after their needs, a stage
  that is not in stages an error; when: on_success or always; before_script and script as one
  `bash -eo pipefail` script in a fresh project folder; artifacts:paths (globs, a folder with
  all beneath it, hidden files too) stored relative to the project folder and extracted at the
  same place in the jobs that need them (all jobs of earlier stages without needs), artifacts:when
  on_success or always.
- Kubernetes: a Job's pods, one per completion, with JOB_COMPLETION_INDEX for an Indexed Job,
  the container's command and args run with its env; a volume is a scratch folder, reached by
  replacing its mountPath in the command line (no mount namespace). backoffLimit retries.
What is not: the images (containers), the tool's own install (the composite action, the GitLab
template's before_script with cmake --install, the Docker image: the built binary goes on PATH
at that step instead), the app's build (a run or script with `idf.py build` writes the stand-in
app samples/hello_app.bin as build/my_app.bin), checkout (a copy of the scratch repository),
concurrency, caches, retries of GitHub and GitLab jobs, expressions beyond those above (any other
is an error, never ignored).
"""
import base64
import copy
import fnmatch
import itertools
import json
import os
import re
import shutil
import subprocess
import sys

import yaml


class ModelError(Exception):
    """The page uses something this model does not model: the replay cannot vouch for it."""


# ---- the page ----


def code_blocks(text):
    """(language, body) of each fenced block, in order."""
    blocks, lang, body = [], None, []
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if lang is None:
                lang, body = line.strip()[3:].strip() or "text", []
            else:
                blocks.append((lang, "\n".join(body) + "\n"))
                lang = None
        elif lang is not None:
            body.append(line)
    return blocks


class Page:
    """What CI.md shows, parsed: each block found by what it holds, not by where it is."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            blocks = code_blocks(f.read())
        self.action = self.workflow = self.gitlab = None
        self.extra_steps, self.extra_jobs, self.gitlab_extra, self.k8s = [], {}, {}, []
        self.manifest = None
        for lang, body in blocks:
            if lang == "json":
                doc = json.loads(body)
                if isinstance(doc, dict) and "devices" in doc:
                    self.manifest = doc
                continue
            if lang != "yaml":
                continue
            doc = yaml.safe_load(body)
            if isinstance(doc, list):
                self.extra_steps += doc  # "a step to add to the job above"
            elif doc.get("runs", {}).get("using") == "composite":
                self.action, self.action_text = doc, body
            elif "jobs" in doc:
                self.workflow = doc
            elif doc.get("kind") == "Job":
                self.k8s.append(doc)
            elif "stages" in doc:
                self.gitlab = doc
            elif all(isinstance(j, dict) and "runs-on" in j for j in doc.values()):
                self.extra_jobs.update(doc)
            elif all(isinstance(j, dict) and "script" in j for j in doc.values()):
                self.gitlab_extra.update(doc)
            else:
                raise ModelError("a YAML block of the page that the model cannot place")
        for what in ("action", "workflow", "gitlab", "manifest"):
            if getattr(self, what) is None:
                raise ModelError(f"the page has no {what} block")


# ---- files ----


def glob_match(pat, segs):
    """Path segments against pattern segments: ** any number of segments, else fnmatch."""
    if not pat:
        return not segs
    if pat[0] == "**":
        return any(glob_match(pat[1:], segs[i:]) for i in range(len(segs) + 1))
    return bool(segs) and fnmatch.fnmatchcase(segs[0], pat[0]) and glob_match(pat[1:], segs[1:])


def files_under(top):
    if os.path.isfile(top):
        return [top]
    found = []
    for base, dirs, names in os.walk(top):
        dirs.sort()
        found += [os.path.join(base, n) for n in sorted(names)]
    return found


def copy_into(src, dst):
    """Files of src into dst, as an artifact's zip is extracted: folders made, files replaced."""
    for f in files_under(src):
        to = os.path.join(dst, os.path.relpath(f, src))
        os.makedirs(os.path.dirname(to), exist_ok=True)
        shutil.copyfile(f, to)  # the zip keeps no modes


def truthy(v):
    return v is True or str(v).lower() == "true"


class Bench:
    """The machine the jobs run on: a folder per run, the tool, the stand-in app, the logs."""

    def __init__(self, tool, src, work):
        self.tool, self.src, self.work = tool, src, work
        self.tool_dir = os.path.join(work, "tool")
        os.makedirs(self.tool_dir, exist_ok=True)
        os.symlink(tool, os.path.join(self.tool_dir, "esp_enc_img"))
        # the machine's PATH without any esp_enc_img on it: only the install step puts it there
        self.path = [
            d
            for d in os.environ.get("PATH", "/usr/bin:/bin").split(":")
            if d and not os.path.exists(os.path.join(d, "esp_enc_img"))
        ]
        self.app = os.path.join(src, "samples", "hello_app.bin")

    def env(self, installed, extra):
        path = ([self.tool_dir] if installed else []) + self.path
        env = {"PATH": ":".join(path), "LANG": "C.UTF-8", "HOME": os.path.join(self.work, "home")}
        env.update(extra)
        return env

    def shell(self, argv, cwd, env, what):
        os.makedirs(env["HOME"], exist_ok=True)
        p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            out = (p.stdout + p.stderr).strip().splitlines()[-8:]
            print(f"    {what}: exit {p.returncode}", *("      " + l for l in out), sep="\n")
        return p.returncode == 0

    def build_app(self, ws, rel):
        to = os.path.join(ws, rel)
        os.makedirs(os.path.dirname(to), exist_ok=True)
        shutil.copyfile(self.app, to)
        return True


# ---- GitHub Actions ----

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STATUS = {
    "success()": lambda s: s == "success",
    "failure()": lambda s: s == "failure",
    "always()": lambda s: True,
    "cancelled()": lambda s: False,
    "!cancelled()": lambda s: True,
}


def gh_subst(text, ctx):
    def value(m):
        what = re.fullmatch(r"(matrix|strategy|secrets|runner|github)\.([\w-]+)", m.group(1))
        if not what or what.group(2) not in ctx[what.group(1)]:
            raise ModelError(f"the model does not evaluate {m.group(0)}")
        return str(ctx[what.group(1)][what.group(2)])

    return EXPR.sub(value, str(text))


def gh_condition(cond, status):
    c = "success()" if cond is None else str(cond).strip()
    m = EXPR.fullmatch(c)
    c = m.group(1) if m else c
    if c not in STATUS:
        raise ModelError(f"the model does not evaluate if: {cond}")
    return STATUS[c](status)


class Store:
    """The run's artifacts: a folder each, and the job that uploaded it."""

    def __init__(self, where):
        self.where, self.owner = where, {}

    def path(self, name):
        return os.path.join(self.where, name)


def search_paths(include):
    """@actions/glob: each pattern's search path, without repeats or paths beneath another."""
    candidates = {sp for _, sp in include}
    found = []
    for _, sp in include:
        above, p = [], sp
        while p != os.path.dirname(p):
            p = os.path.dirname(p)
            above.append(p)
        if sp not in found and not any(q in candidates for q in above):
            found.append(sp)
    return found


def hit(pattern, segs):
    """The pattern, or anything beneath what it names (implicit descendants)."""
    return glob_match(pattern, segs) or glob_match(pattern + ["**"], segs)


def gh_upload(ws, inputs, store, owner):
    """actions/upload-artifact@v4: which files, stored under which names."""
    name = str(inputs.get("name", "artifact"))
    if name in store.owner:
        print(f"    upload-artifact: an artifact named {name} exists already (v4 refuses)")
        return False
    include, exclude = [], []
    for line in str(inputs["path"]).split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        pattern = os.path.normpath(os.path.join(ws, line[1:] if neg else line))
        segs = pattern.split("/")
        cut = next((i for i, s in enumerate(segs) if set(s) & set("*?[")), len(segs))
        (exclude if neg else include).append((segs, "/".join(segs[:cut]) or "/"))
    search = search_paths(include)
    files = []
    for sp in search:
        for f in files_under(sp) if os.path.exists(sp) else []:
            below = os.path.relpath(f, os.path.dirname(sp)).split("/")
            if any(part.startswith(".") for part in below):
                continue  # hidden files are left out by default (v4.4 and later)
            segs = f.split("/")
            if any(hit(p, segs) for p, _ in include) and not any(hit(p, segs) for p, _ in exclude):
                files.append(f)
    files = sorted(set(files))
    if not files:
        print(f"    upload-artifact: no files for {name} (a warning, no artifact)")
        return inputs.get("if-no-files-found", "warn") != "error"
    if len(search) > 1:  # the least common ancestor of the search paths
        common = []
        for parts in zip(*(s.split("/") for s in search)):
            if len(set(parts)) > 1:
                break
            common.append(parts[0])
        root = "/".join(common) or "/"
    elif len(files) == 1 and files[0] == search[0]:
        root = os.path.dirname(files[0])
    else:
        root = search[0]
    for f in files:
        rel = os.path.relpath(f, root)
        if rel.startswith(".."):
            print(f"    upload-artifact: {f} is not under the root {root}")
            return False
        os.makedirs(os.path.dirname(os.path.join(store.path(name), rel)), exist_ok=True)
        shutil.copyfile(f, os.path.join(store.path(name), rel))
    store.owner[name] = owner
    return True


def gh_download(ws, inputs, store, visible):
    """actions/download-artifact@v4: which artifacts, extracted where."""
    dest = os.path.normpath(os.path.join(ws, str(inputs.get("path", ""))))
    seen = [n for n, owner in store.owner.items() if owner in visible]
    if "name" in inputs:
        name = str(inputs["name"])
        if name not in seen:
            print(f"    download-artifact: no artifact {name} from the jobs this one needs")
            return False
        copy_into(store.path(name), dest)
        return True
    pattern = str(inputs.get("pattern", "*"))
    merge = truthy(inputs.get("merge-multiple", False))
    for name in sorted(n for n in seen if fnmatch.fnmatchcase(n, pattern)):
        copy_into(store.path(name), dest if merge else os.path.join(dest, name))
    return True


def gh_replay(page, bench, repo, secrets):
    """Every job of the workflow plus the page's additions; (results by job, artifacts)."""
    wf = copy.deepcopy(page.workflow)
    jobs = wf["jobs"]
    build = jobs["build"]["steps"]
    at = next(i for i, s in enumerate(build) if "upload-artifact" in str(s.get("uses", "")))
    build[at:at] = copy.deepcopy(page.extra_steps)  # before the upload: the build job's steps
    jobs.update(copy.deepcopy(page.extra_jobs))
    # a Windows runner is not replayed here: what it needs, and the artifacts it downloads, must be
    # what the replayed jobs make (its esp_enc_img lines are parsed by test_ci_doc.sh)
    windows = {j: jobs.pop(j) for j in list(jobs) if str(jobs[j].get("runs-on", "")).startswith("windows")}
    needs = {j: [job.get("needs")] if isinstance(job.get("needs"), str) else job.get("needs", [])
             for j, job in jobs.items()}
    order, left = [], dict(needs)
    while left:
        ready = [j for j, n in left.items() if all(d in order for d in n)]
        if not ready:
            raise ModelError("the jobs' needs make a cycle or name no job")
        order += ready
        for j in ready:
            del left[j]

    def upstream(j):
        return set(needs[j]).union(*(upstream(d) for d in needs[j])) if needs[j] else set()

    store = Store(os.path.join(bench.work, "gh-artifacts"))
    results = {}
    for jid in order:
        job = jobs[jid]
        status = "success" if all(results[d] == "success" for d in needs[jid]) else "failure"
        if not gh_condition(job.get("if"), status):
            results[jid] = "skipped"
            print(f"  job {jid}: skipped")
            continue
        matrix = job.get("strategy", {}).get("matrix", {"": [None]})
        if set(matrix) & {"include", "exclude"}:
            raise ModelError("the model does not expand matrix include/exclude")
        combos = [dict(zip(matrix, v)) for v in itertools.product(*matrix.values())]
        outcome = []
        for index, combo in enumerate(combos):
            label = jid + "".join(f" ({v})" for v in combo.values() if v is not None)
            ctx = {
                "matrix": combo,
                "strategy": {"job-total": len(combos), "job-index": index},
                "secrets": secrets,
            }
            outcome.append(gh_job(wf, jid, job, label, ctx, bench, repo, store, upstream(jid)))
        results[jid] = "success" if all(outcome) else "failure"
        print(f"  job {jid}: {results[jid]}")
    for jid, job in windows.items():
        wanted = [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", [])
        names = [s["with"]["name"] for s in job.get("steps", [])
                 if "download-artifact" in str(s.get("uses", "")) and "name" in s.get("with", {})]
        missing = [n for n in wanted if n not in jobs] + [n for n in names if n not in store.owner]
        results[jid] = "failure" if missing else "success"
        print(f"  job {jid}: not replayed (a Windows runner); "
              + (f"it needs or downloads what no job makes: {missing}" if missing else
                 "what it needs and downloads is made"))
    return results, {n: store.path(n) for n in store.owner}


def gh_job(wf, jid, job, label, ctx, bench, repo, store, visible):
    home = os.path.join(bench.work, "gh", re.sub(r"\W+", "_", label))
    ws, temp = os.path.join(home, "workspace"), os.path.join(home, "runner_temp")
    os.makedirs(ws)
    os.makedirs(temp)
    ctx["runner"] = {"temp": temp}
    ctx["github"] = {"workspace": ws}
    shell = job.get("defaults", wf.get("defaults", {})).get("run", {}).get("shell")
    installed, status = False, "success"
    for n, step in enumerate(job["steps"]):
        if not gh_condition(step.get("if"), status):
            continue
        if "working-directory" in step:
            raise ModelError("the model runs steps in the workspace only")
        uses = step.get("uses", "")
        inputs = {k: gh_subst(v, ctx) for k, v in step.get("with", {}).items()}
        what = f"{label}, step {n + 1} ({step.get('name') or uses or 'run'})"
        if uses == "actions/checkout@v4":
            shutil.copytree(repo, ws, dirs_exist_ok=True)
            ok = True
        elif uses.startswith("./"):
            # the local action must be in the checkout; it installs the tool: the built one here
            ok = os.path.isfile(os.path.join(ws, uses[2:], "action.yml"))
            if not ok:
                print(f"    {what}: no {uses}/action.yml in the workspace")
            installed = installed or ok
        elif uses == "actions/upload-artifact@v4":
            ok = gh_upload(ws, inputs, store, jid)
        elif uses == "actions/download-artifact@v4":
            ok = gh_download(ws, inputs, store, visible)
        elif uses:
            raise ModelError(f"the model does not run {uses}")
        elif "idf.py build" in step["run"]:
            ok = bench.build_app(ws, "build/my_app.bin")
        else:
            script = os.path.join(temp, f"step{n + 1}.sh")
            with open(script, "w", encoding="utf-8") as f:
                f.write(gh_subst(step["run"], ctx))
            sh = step.get("shell", shell)
            argv = {None: ["bash", "-e"], "bash": ["bash", "--noprofile", "--norc", "-eo",
                                                   "pipefail"], "sh": ["sh", "-e"]}
            if sh not in argv:
                raise ModelError(f"the model does not run shell {sh}")
            env = {k: gh_subst(v, ctx) for src in (wf, job, step)
                   for k, v in src.get("env", {}).items()}
            env.update(GITHUB_WORKSPACE=ws, RUNNER_TEMP=temp, CI="true", GITHUB_ACTIONS="true")
            ok = bench.shell(argv[sh] + [script], ws, bench.env(installed, env), what)
        if not ok and not step.get("continue-on-error"):
            status = "failure"
    return status == "success"


# ---- GitLab CI ----

GITLAB_GLOBAL = {"stages", "variables", "default", "include", "workflow", "image", "services",
                 "before_script", "after_script", "cache"}


def deep_merge(base, over):
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else copy.deepcopy(v)
    return out


def gl_resolve(config, name, seen=()):
    job = config[name]
    if name in seen:
        raise ModelError(f"extends loop at {name}")
    ext = job.get("extends", [])
    merged = {}
    for parent in [ext] if isinstance(ext, str) else ext:
        merged = deep_merge(merged, gl_resolve(config, parent, seen + (name,)))
    merged = deep_merge(merged, {k: v for k, v in job.items() if k != "extends"})
    return merged


def gl_replay(config, bench, repo):
    stages = config["stages"]
    jobs = {}  # instance name -> (job name, definition, variables)
    for name in config:
        if name in GITLAB_GLOBAL or name.startswith("."):
            continue
        job = gl_resolve(config, name)
        if job.get("stage", "test") not in stages:
            raise ModelError(f"job {name}: its stage {job.get('stage', 'test')} is not in stages")
        n = job.get("parallel")
        if n is None:
            jobs[name] = (name, job, {})
        else:
            for i in range(1, int(n) + 1):
                jobs[f"{name} {i}/{n}"] = (name, job, {"CI_NODE_INDEX": str(i),
                                                      "CI_NODE_TOTAL": str(n)})

    def deps(inst):
        name, job, _ = jobs[inst]
        if "needs" in job:
            wanted = [d if isinstance(d, str) else d["job"] for d in job["needs"]]
            return [i for i in jobs if jobs[i][0] in wanted]
        rank = stages.index(job.get("stage", "test"))
        return [i for i in jobs if stages.index(jobs[i][1].get("stage", "test")) < rank]

    order, left = [], list(jobs)
    while left:
        ready = [i for i in left if all(d in order for d in deps(i))]
        if not ready:
            raise ModelError("the jobs' needs make a cycle")
        ready.sort(key=lambda i: stages.index(jobs[i][1].get("stage", "test")))
        order.append(ready[0])
        left.remove(ready[0])

    store, results = os.path.join(bench.work, "gl-artifacts"), {}
    for inst in order:
        name, job, node = jobs[inst]
        when = job.get("when", "on_success")
        if when not in ("on_success", "always"):
            raise ModelError(f"the model does not run when: {when}")
        if when == "on_success" and any(results[d] != "success" for d in deps(inst)):
            results[inst] = "skipped"
            print(f"  job {inst}: skipped")
            continue
        home = os.path.join(bench.work, "gl", re.sub(r"\W+", "_", inst))
        project = os.path.join(home, "project")
        shutil.copytree(repo, project)
        for d in deps(inst):
            if os.path.isdir(os.path.join(store, d)):
                copy_into(os.path.join(store, d), project)
        before = job.get("before_script", config.get("before_script", []))
        script = job["script"]
        installed = any("cmake --install" in line for line in before)
        if installed:
            before = []  # the tool's install: the built binary goes on PATH instead
        if any("idf.py build" in line for line in script):
            ok = bench.build_app(project, "build/my_app.bin")
        else:
            path = os.path.join(home, "script.sh")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(before + script) + "\n")
            env = {**{k: str(v) for k, v in config.get("variables", {}).items()},
                   **{k: str(v) for k, v in job.get("variables", {}).items()}, **node,
                   "CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": project,
                   "CI_JOB_NAME": inst}
            ok = bench.shell(["bash", "-eo", "pipefail", path], project,
                             bench.env(installed, env), inst)
        results[inst] = "success" if ok else "failure"
        print(f"  job {inst}: {results[inst]}")
        art = job.get("artifacts", {})
        art_when = art.get("when", "on_success")
        if art_when not in ("on_success", "always"):
            raise ModelError(f"the model does not keep artifacts when: {art_when}")
        if art.get("paths") and (ok or art_when == "always"):
            pats = [os.path.normpath(p).split("/") for p in art["paths"]]
            for f in files_under(project):
                segs = os.path.relpath(f, project).split("/")
                if any(glob_match(p, segs) or glob_match(p + ["**"], segs) for p in pats):
                    to = os.path.join(store, inst, *segs)
                    os.makedirs(os.path.dirname(to), exist_ok=True)
                    shutil.copyfile(f, to)
    return results, {i: os.path.join(store, i) for i in jobs}


# ---- Kubernetes ----


def k8s_run(doc, bench, volumes):
    """A Job: its pods one after another, each retried within backoffLimit; True if complete."""
    spec, pod = doc["spec"], doc["spec"]["template"]["spec"]
    if len(pod["containers"]) != 1:
        raise ModelError("the model runs pods of one container")
    c = pod["containers"][0]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: volumes[claims[m["name"]]] for m in c.get("volumeMounts", [])}

    def local(arg):
        for at, host in mounts.items():
            arg = re.sub(re.escape(at.rstrip("/")) + r"(?=/|$|\s|\")", host, arg)
        return arg

    indexed = spec.get("completionMode") == "Indexed"
    failures, budget = 0, spec.get("backoffLimit", 6)
    for index in range(int(spec.get("completions", 1))):
        env = {e["name"]: str(e["value"]) for e in c.get("env", [])}
        if indexed:
            env["JOB_COMPLETION_INDEX"] = str(index)
        argv = [local(a) for a in c["command"] + c.get("args", [])]
        while not bench.shell(argv, bench.work, bench.env(True, env), f"pod {index}"):
            failures += 1
            if failures > budget:
                return False
    return True


# ---- the scenarios ----


NOWHERE = "/nonexistent/artifact"  # what a missing artifact is looked for in


class Checks:
    def __init__(self):
        self.passes = self.fails = 0

    def check(self, ok, why):
        if ok:
            self.passes += 1
        else:
            self.fails += 1
            print(f"FAIL: {why}", file=sys.stderr)
        return ok


def make_repository(page, bench, where, broken=None):
    """keys/, fleet/manifest.json (the page's, with more devices), the composite action."""
    repo, private = os.path.join(where, "repo"), os.path.join(where, "private")
    os.makedirs(os.path.join(repo, "keys"))
    os.makedirs(os.path.join(repo, "fleet"))
    os.makedirs(private)
    action = os.path.join(repo, ".github", "actions", "esp_enc_img")
    os.makedirs(action)
    with open(os.path.join(action, "action.yml"), "w", encoding="utf-8") as f:
        f.write(page.action_text)
    k = os.path.join(bench.src, "keys")
    shutil.copyfile(os.path.join(k, "device_pub_key.pem"), os.path.join(repo, "keys",
                                                                        "device_pub_key.pem"))
    m = page.manifest
    form = m["devices"][0]["public_key"].replace(m["devices"][0]["id"], "{}")
    for d in m["devices"]:
        if d["public_key"] != form.format(d["id"]):
            raise ModelError("the page's manifest names its keys in more than one way")
    devices, secrets = [], {}
    for i in range(1, 9):
        dev = f"dev-{i:04d}"
        pub = os.path.normpath(os.path.join(repo, "fleet", form.format(dev)))
        if i == 1:  # a chip's HMAC-derived key, an RSA-3072 key, then plain P-256 keys
            shutil.copyfile(os.path.join(k, "device_pub_key.pem"), pub)
            secrets[dev] = os.path.join(k, "device_hmac_key.bin")
        elif i == 2:
            shutil.copyfile(os.path.join(k, "rsa_pub_key.pem"), pub)
            secrets[dev] = os.path.join(k, "rsa_priv_key.pem")
        else:
            out = os.path.join(private, dev)
            subprocess.run([bench.tool, "keygen", "ecc", "--out-dir", out, "-q"], check=True)
            shutil.copyfile(os.path.join(out, "ecc_pub_key.pem"), pub)
            secrets[dev] = os.path.join(out, "ecc_priv_key.pem")
        if dev == broken:
            with open(pub, "w", encoding="utf-8") as f:
                f.write("not a key\n")
        devices.append({"id": dev, "public_key": form.format(dev)})
    with open(os.path.join(repo, "fleet", "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({**m, "devices": devices}, f, indent=1)
    app = os.path.normpath(os.path.join("fleet", m["input"]))
    if app != "build/my_app.bin":
        raise ModelError(f"the page's manifest reads {app}, the model builds build/my_app.bin")
    return repo, secrets


def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def decrypts(bench, image, key, to):
    p = subprocess.run([bench.tool, "decrypt", image, key, to, "-q"], capture_output=True)
    return p.returncode == 0 and same_bytes(to, bench.app)


def check_fleet(ck, bench, merged_dir, image_dirs, secrets, failed=None):
    """The merged manifest in merged_dir; each ok device's image, found in one of image_dirs
    (searched beneath), decrypting to the app; the failed device, when there is one, named."""
    path = os.path.join(merged_dir or NOWHERE, "manifest.json")
    if not ck.check(os.path.isfile(path), f"no merged manifest handed over ({path})"):
        return
    with open(path, encoding="utf-8") as f:
        merged = json.load(f)
    ck.check("shard" not in merged, "the merged manifest is still a shard's")
    want_failed = 0 if failed is None else 1
    ck.check(merged.get("failed") == want_failed and
             merged.get("succeeded") == len(secrets) - want_failed,
             f"merged manifest: {merged.get('succeeded')} ok, {merged.get('failed')} failed")
    images = {os.path.basename(f): f for d in image_dirs if d for f in files_under(d)
              if f.endswith(".bin")}
    for d in merged.get("devices", []):
        if d["id"] == failed:
            ck.check(d["status"] == "failed" and d.get("error"), f"{failed} is not failed")
            continue
        image = images.get(d.get("output"), NOWHERE)
        ck.check(decrypts(bench, image, secrets[d["id"]], os.path.join(bench.work, "plain")),
                 f"{d['id']}: no image {d.get('output')} that decrypts to the app")


def scenario_github(page, bench, ck, broken=None):
    repo, secrets = make_repository(page, bench, os.path.join(bench.work, "gh-repo"), broken)
    with open(os.path.join(bench.src, "tests", "vectors", "kat", "hmac_key.bin"), "rb") as f:
        gh_secrets = {"TEST_DEVICE_HMAC_KEY_B64": base64.b64encode(f.read()).decode()}
    results, artifacts = gh_replay(page, bench, repo, gh_secrets)
    ck.check(results.get("build") == "success", "the build job failed")
    fw = artifacts.get("firmware", NOWHERE)
    ck.check(decrypts(bench, os.path.join(fw, "build", "my_app_secure.bin"),
                      os.path.join(bench.src, "keys", "device_hmac_key.bin"),
                      os.path.join(bench.work, "fw.plain")),
             "the firmware artifact has no build/my_app_secure.bin that decrypts to the app")
    if broken is None:
        ck.check(all(r == "success" for r in results.values()), f"jobs: {results}")
        check_fleet(ck, bench, artifacts.get("images"), [artifacts.get("images")], secrets)
        return
    # the shard's job and the merge fail; the images artifact holds the merged manifest only,
    # the images of the other devices are in the shards' artifacts
    ck.check(results.get("fleet") == "failure", "the fleet job did not fail")
    ck.check(results.get("fleet-merge") == "failure", "the merge job did not run and fail")
    ck.check(not any(f.endswith(".bin") for f in files_under(artifacts.get("images", NOWHERE))),
             "images were handed over with a failed device")
    shards = [d for n, d in artifacts.items() if n.startswith("shard-")]
    check_fleet(ck, bench, artifacts.get("images"), shards, secrets, broken)


def scenario_gitlab(page, bench, ck):
    repo, secrets = make_repository(page, bench, os.path.join(bench.work, "gl-repo"))
    config = copy.deepcopy(page.gitlab)
    config.update(copy.deepcopy(page.gitlab_extra))
    config["stages"] = config["stages"] + ["merge"]  # "with merge in its stages"
    results, artifacts = gl_replay(config, bench, repo)
    ck.check(all(r == "success" for r in results.values()), f"jobs: {results}")
    ck.check(decrypts(bench, os.path.join(artifacts["encrypt"], "build", "my_app_secure.bin"),
                      os.path.join(bench.src, "keys", "device_hmac_key.bin"),
                      os.path.join(bench.work, "gl-fw.plain")),
             "the encrypt job kept no build/my_app_secure.bin that decrypts to the app")
    images = os.path.join(artifacts.get("fleet-merge", NOWHERE), "images")
    check_fleet(ck, bench, images, [images], secrets)


def scenario_kubernetes(page, bench, ck):
    repo, secrets = make_repository(page, bench, os.path.join(bench.work, "k8s-repo"))
    release = os.path.join(bench.work, "release")  # the volume: the manifest, build and keys
    shutil.copytree(os.path.join(repo, "fleet"), os.path.join(release, "fleet"))
    shutil.copytree(os.path.join(repo, "keys"), os.path.join(release, "keys"))
    bench.build_app(release, "build/my_app.bin")
    encrypt, merge = page.k8s
    spec = encrypt["spec"]
    shards = {e["name"]: e["value"] for e in spec["template"]["spec"]["containers"][0]["env"]}
    ck.check(str(shards.get("SHARDS")) == str(spec["completions"]), "SHARDS is not completions")
    ck.check(k8s_run(encrypt, bench, {"release": release}), "the Indexed Job did not complete")
    ck.check(k8s_run(merge, bench, {"release": release}), "the merge Job did not complete")
    check_fleet(ck, bench, os.path.join(release, "images"), [os.path.join(release, "images")],
                secrets)


def main():
    if len(sys.argv) < 6:
        sys.exit("usage: test_ci_recipes.py CI.md ESP_ENC_IMG SOURCE_DIR WORKDIR SCENARIO...")
    sys.stdout.reconfigure(line_buffering=True)
    doc, tool, src, work = sys.argv[1:5]
    page = Page(doc)
    ck = Checks()
    for name in sys.argv[5:]:
        bench = Bench(os.path.abspath(tool), os.path.abspath(src), os.path.join(work, name))
        print(f"{name}:")
        try:
            if name == "github":
                scenario_github(page, bench, ck)
            elif name == "github-failed-device":
                scenario_github(page, bench, ck, broken="dev-0005")
            elif name == "gitlab":
                scenario_gitlab(page, bench, ck)
            elif name == "kubernetes":
                scenario_kubernetes(page, bench, ck)
            else:
                sys.exit(f"no scenario {name}")
        except ModelError as e:
            ck.check(False, f"{name}: {e}")
    print(f"{ck.passes} passed, {ck.fails} failed")
    sys.exit(0 if ck.fails == 0 and ck.passes > 0 else 1)


if __name__ == "__main__":
    main()
