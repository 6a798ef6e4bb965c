"""The GraphQL the collector sends: every field is there because a signal reads it.

Cost per repository under GitHub's formula (requests needed per connection, summed, divided by 100): the
repository page costs about 0.85 points per repository — topics 1, labels 1, branch rules 1, check suites
1, 90-day history 1, a 30-commit sample with its pull request 1 + 30, merged pull requests 1 with their
reviews 20 and linked issues 20, deployments 1, environments 1 with their protection rules 5, releases 1.
Trees, blobs and templates are plain objects and lists, which cost nothing.
"""

from __future__ import annotations

import json

HISTORY_SAMPLE = 30  # recent default-branch commits checked for an associated pull request (PR flow)
PULL_REQUESTS = 20
KEY_BLOBS = {
    "requirements": "requirements.txt",
    "pyproject": "pyproject.toml",
    "environmentYml": "environment.yml",
    "setupPy": "setup.py",
    "codeowners": ".github/CODEOWNERS",
    "rootCodeowners": "CODEOWNERS",
    "docsCodeowners": "docs/CODEOWNERS",
}
KEY_TREES = {
    "root": "",
    "dotGithub": ".github",
    "workflows": ".github/workflows",
    "issueTemplateDir": ".github/ISSUE_TEMPLATE",
}

_TREES = "\n".join(
    f'        {alias}: object(expression: "HEAD:{path}") {{ ...TreeNames }}'
    for alias, path in KEY_TREES.items()
)
_BLOBS = "\n".join(
    f'        {alias}: object(expression: "HEAD:{path}") {{ ...BlobText }}'
    for alias, path in KEY_BLOBS.items()
)

REPOSITORIES = f"""
query AssayRepositories(
  $org: String!, $first: Int, $after: String, $last: Int, $before: String, $since: GitTimestamp!
) {{
  rateLimit {{ cost remaining resetAt limit }}
  organization(login: $org) {{
    repositories(
      first: $first, after: $after, last: $last, before: $before, orderBy: {{field: NAME, direction: ASC}}
    ) {{
      totalCount
      pageInfo {{ hasNextPage endCursor hasPreviousPage startCursor }}
      nodes {{
        name
        isArchived
        isFork
        isPrivate
        pushedAt
        createdAt
        primaryLanguage {{ name }}
        hasVulnerabilityAlertsEnabled
        repositoryTopics(first: 10) {{ nodes {{ topic {{ name }} }} }}
        labels(first: 30) {{ totalCount nodes {{ name }} }}
        issueTemplates {{ name about filename }}
        pullRequestTemplates {{ filename body }}
{_TREES}
{_BLOBS}
        defaultBranchRef {{
          name
          branchProtectionRule {{
            requiresApprovingReviews requiredApprovingReviewCount
            requiresStatusChecks requiresCodeOwnerReviews
          }}
          rules(first: 20) {{
            nodes {{ type parameters {{ ... on PullRequestParameters {{ requiredApprovingReviewCount }} }} }}
          }}
          target {{
            ... on Commit {{
              committedDate
              checkSuites(first: 10) {{
                nodes {{ app {{ slug }} status conclusion updatedAt workflowRun {{ event }} }}
              }}
              history(first: 100, since: $since) {{
                totalCount
                nodes {{ committedDate author {{ email user {{ login }} }} statusCheckRollup {{ state }} }}
              }}
              sample: history(first: {HISTORY_SAMPLE}) {{
                nodes {{ committedDate associatedPullRequests(first: 1) {{ nodes {{ number merged }} }} }}
              }}
            }}
          }}
        }}
        pullRequests(
          first: {PULL_REQUESTS}, states: MERGED, orderBy: {{field: UPDATED_AT, direction: DESC}}
        ) {{
          totalCount
          nodes {{
            number createdAt mergedAt baseRefName
            author {{ __typename login }}
            reviews(first: 10) {{ nodes {{ state submittedAt author {{ __typename login }} }} }}
            closingIssuesReferences(first: 1) {{ totalCount }}
          }}
        }}
        deployments(first: 50, orderBy: {{field: CREATED_AT, direction: DESC}}) {{
          nodes {{ environment createdAt creator {{ __typename login }} latestStatus {{ state createdAt }} }}
        }}
        environments(first: 5) {{ nodes {{ name protectionRules(first: 5) {{ nodes {{ type }} }} }} }}
        releases(first: 10, orderBy: {{field: CREATED_AT, direction: DESC}}) {{
          totalCount nodes {{ createdAt }}
        }}
      }}
    }}
  }}
}}

fragment TreeNames on Tree {{ entries {{ name type }} }}
fragment BlobText on Blob {{ text isTruncated }}
"""

TEAMS = """
query AssayTeams($org: String!, $after: String) {
  rateLimit { cost remaining resetAt limit }
  organization(login: $org) {
    teams(first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        slug
        members(first: 100) { totalCount nodes { login } }
        repositories(first: 100) { totalCount edges { permission node { name } } }
      }
    }
  }
}
"""

PROJECTS = """
query AssayProjects($org: String!) {
  rateLimit { cost remaining resetAt limit }
  organization(login: $org) {
    projectsV2(first: 50) { totalCount nodes { title closed shortDescription } }
  }
}
"""


def workflows_query(org: str, names: list[str]) -> str:
    """One query reading the workflow files of several repositories (aliases r0, r1, ...): 1 point."""
    parts = [
        f"  r{i}: repository(owner: {json.dumps(org)}, name: {json.dumps(name)}) {{\n"
        '    object(expression: "HEAD:.github/workflows") {\n'
        "      ... on Tree { entries { name object { ... on Blob { text isTruncated } } } }\n"
        "    }\n  }"
        for i, name in enumerate(names)
    ]
    body = "\n".join(parts)
    return f"query AssayWorkflows {{\n  rateLimit {{ cost remaining resetAt limit }}\n{body}\n}}\n"
