"""The least access the Jenkins collector needs, as `assay permissions jenkins` prints it."""

PERMISSIONS = """\
Jenkins — read-only access; the collector never triggers, changes or deletes anything.

Create a dedicated user (e.g. `assay-auditor`), generate an API token for it (User > Security > API Token)
and put the token in the environment variable named by collectors.jenkins.token_env.

Permissions (Matrix Authorization or Role-Based Strategy; grant them on every folder you want audited):
  Overall/Read        list jobs and folders (api/json?tree=jobs[...]), /me/api/json, the X-Jenkins
                      version header and installed plugins (pluginManager/api/json); recent Jenkins
                      versions guard the plugin list with Overall/SystemRead (implied by
                      Overall/Administer). Without it only the plugin signals are `unknown (denied)`.
  Job/Read            job and build JSON (api/json?tree=builds[...]), test reports (testReport/api/json),
                      Pipeline Stage View (wfapi/describe) of the newest finished build
  Job/ExtendedRead    config.xml of each job: stages, steps, approvals (input), scanners, triggers.
                      Without it the job-definition signals are `unknown (denied)`, never fail.

Not needed: Job/Build, Job/Configure, Job/Workspace, Run/Replay, Credentials/View.
Requests made: GET only (python-jenkins also fetches a CSRF crumb from crumbIssuer/api/json).
Per job: config.xml, one api/json?tree=builds[...]{0,max_builds} request, at most one test report and one
stage view; per multibranch project one config.xml. HTTP 429/502/503/504 are retried (`retries`, honouring
Retry-After up to max_retry_wait_seconds); a job that still cannot be read is a gap naming it and the call.
Limits: collectors.jenkins.window_days (30), max_builds (50), max_jobs, include/exclude (glob patterns on
job full names).
"""
