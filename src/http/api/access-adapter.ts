import type { ProjectRecord, UserRecord } from '../../ports/access-store.js';
import { notFound } from '../../services/access/errors.js';
import type { AccessService, Robot } from '../../services/access/index.js';
import type { ManagementAccess, ProjectView, RobotView, UserView } from './access.js';

function projectView({ id: _, proxy, ...view }: ProjectRecord): ProjectView {
  return {
    ...view,
    proxy: proxy && {
      upstream: proxy.upstream,
      repositoryPrefix: proxy.repositoryPrefix,
      credentials: proxy.username === null ? null : { username: proxy.username },
    },
  };
}

function userView({ id: _, ...view }: Omit<UserRecord, 'passwordHash' | 'passwordSalt'>): UserView {
  return view;
}

function robotView({ id: _, projectId: __, ...view }: Robot): RobotView {
  return view;
}

/** The management API's view of the access service: ids dropped, expiry given as a date. */
export function managementAccess(service: AccessService): ManagementAccess {
  return {
    authenticate: (username, secret) => service.authenticate(username, secret),
    // A project that does not exist has no actions for anyone here, admins included (404); the
    // service grants admins actions on absent projects only so that a push can create one.
    actionsOn: async (principal, name) => {
      const { project, actions } = await service.actionsOn(principal, name);
      return project ? [...actions] : [];
    },
    projects: {
      list: async (page) => (await service.listProjects(page)).map(projectView),
      get: async (name) => {
        const p = await service.getProject(name);
        return p && projectView(p);
      },
      create: async (p) => projectView(await service.createProject(p)),
      update: async (name, patch) => projectView(await service.updateProject(name, patch)),
      delete: (name) => service.deleteProject(name),
    },
    members: {
      list: async (project) =>
        (await service.listMembers(project)).map(({ username, role }) => ({ username, role })),
      set: async (project, username, role) => {
        const m = await service.addMember(project, username, role);
        return { username: m.username, role: m.role };
      },
      remove: (project, username) => service.removeMember(project, username),
    },
    users: {
      list: async (page) => (await service.listUsers(page)).map(userView),
      get: async (username) => {
        const u = await service.getUser(username);
        return u && userView(u);
      },
      create: async (u) => userView(await service.createUser(u)),
      update: async (username, patch) => userView(await service.updateUser(username, patch)),
      delete: (username) => service.deleteUser(username),
    },
    robots: {
      list: async (project) => (await service.listRobots(project ?? undefined)).map(robotView),
      get: async (name) => {
        const r = await service.getRobot(name);
        return r && robotView(r);
      },
      create: async (r) => {
        const { robot, secret } = await service.createRobot({
          ...(r.project === null ? {} : { project: r.project }),
          name: r.name,
          description: r.description,
          permissions: r.permissions,
          expiresAt: r.expiresAt,
        });
        return { robot: robotView(robot), secret };
      },
      update: async (name, { disabled, ...changes }) => {
        if (disabled !== undefined) await service.setRobotDisabled(name, disabled);
        const robot =
          Object.keys(changes).length > 0 || disabled === undefined
            ? await service.updateRobot(name, changes)
            : await service.getRobot(name);
        if (!robot) throw notFound('robot', name);
        return robotView(robot);
      },
      delete: (name) => service.deleteRobot(name),
      rotate: async (name) => {
        const secret = await service.rotateRobotSecret(name);
        const robot = await service.getRobot(name);
        if (!robot) throw notFound('robot', name);
        return { robot: robotView(robot), secret };
      },
    },
  };
}
