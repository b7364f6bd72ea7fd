// A ReplicaSet and a Service read from Kubernetes' protobuf (protobuf.ts) into the JSON the API server
// would have sent, limited to the fields a listing reads (compactReplicaSet, compactService): the same
// reducers then run on either. A field JSON leaves out when empty (`omitempty`) is left out here too,
// where protobuf writes it anyway (a zero count, an empty string or map), so that both answers reduce to
// the same objects; test/cluster proves it on every ReplicaSet and Service of a real API server. Field
// numbers: k8s.io/api's and k8s.io/apimachinery's generated.proto.
import type { ProtoReader } from './protobuf.js';

type Json = Record<string, unknown>;

/** A metav1.Time: RFC 3339 in whole seconds, as its JSON; an empty message is the zero time (JSON null). */
function time(m: ProtoReader): string | null {
  if (m.done) return null;
  let seconds = 0;
  for (let f = m.key(); f; f = m.key()) {
    if (f.field === 1 && f.wire === 0) seconds = m.varint();
    else m.skip(f.wire);
  }
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ownerReference(m: ProtoReader): Json {
  const o: Json = { apiVersion: '', kind: '', name: '', uid: '' };
  for (let f = m.key(); f; f = m.key()) {
    if (f.wire === 2 && f.field === 5) o.apiVersion = m.string();
    else if (f.wire === 2 && f.field === 1) o.kind = m.string();
    else if (f.wire === 2 && f.field === 3) o.name = m.string();
    else if (f.wire === 2 && f.field === 4) o.uid = m.string();
    else if (f.wire === 0 && f.field === 6) o.controller = m.varint() !== 0;
    else m.skip(f.wire);
  }
  return o;
}

/** ObjectMeta: the fields the listing's reducers read. */
function objectMeta(m: ProtoReader): Json {
  const md: Json = {};
  let labels: Record<string, string> | undefined;
  let annotations: Record<string, string> | undefined;
  let owners: Json[] | undefined;
  const str = (key: string) => {
    const s = m.string();
    if (s !== '') md[key] = s;
  };
  for (let f = m.key(); f; f = m.key()) {
    if (f.wire !== 2) m.skip(f.wire);
    else if (f.field === 1) str('name');
    else if (f.field === 3) str('namespace');
    else if (f.field === 5) str('uid');
    else if (f.field === 8) md.creationTimestamp = time(m.message());
    else if (f.field === 9) md.deletionTimestamp = time(m.message());
    else if (f.field === 11) {
      const [k, v] = m.entry();
      (labels ??= {})[k] = v;
    } else if (f.field === 12) {
      const [k, v] = m.entry();
      (annotations ??= {})[k] = v;
    } else if (f.field === 13) (owners ??= []).push(ownerReference(m.message()));
    else m.skip(f.wire);
  }
  if (labels) md.labels = labels;
  if (annotations) md.annotations = annotations;
  if (owners) md.ownerReferences = owners;
  return md;
}

/** A Container's name and image (image is omitted when empty, as in JSON). */
function container(m: ProtoReader): Json {
  const c: Json = { name: '' };
  for (let f = m.key(); f; f = m.key()) {
    if (f.wire === 2 && f.field === 1) c.name = m.string();
    else if (f.wire === 2 && f.field === 2) {
      const image = m.string();
      if (image !== '') c.image = image;
    } else m.skip(f.wire);
  }
  return c;
}

/** A PodTemplateSpec's spec: its containers and init containers (names and images). */
function podTemplate(m: ProtoReader): Json {
  const spec: Json = {};
  for (let f = m.key(); f; f = m.key()) {
    if (f.wire !== 2 || f.field !== 2) {
      m.skip(f.wire);
      continue;
    }
    const ps = m.message();
    const containers: Json[] = [];
    let inits: Json[] | undefined;
    for (let g = ps.key(); g; g = ps.key()) {
      if (g.wire === 2 && g.field === 2) containers.push(container(ps.message()));
      else if (g.wire === 2 && g.field === 20) (inits ??= []).push(container(ps.message()));
      else ps.skip(g.wire);
    }
    spec.containers = containers;
    if (inits) spec.initContainers = inits;
  }
  return { spec };
}

/** apps/v1 ReplicaSet (metadata 1, spec 2, status 3). */
export function replicaSetFromProto(m: ProtoReader): Json {
  const rs: Json = { metadata: {}, spec: {}, status: { replicas: 0 } };
  for (let f = m.key(); f; f = m.key()) {
    if (f.wire !== 2) m.skip(f.wire);
    else if (f.field === 1) rs.metadata = objectMeta(m.message());
    else if (f.field === 2) {
      const s = m.message();
      const spec: Json = {};
      for (let g = s.key(); g; g = s.key()) {
        if (g.wire === 0 && g.field === 1) spec.replicas = s.int32();
        else if (g.wire === 2 && g.field === 3) spec.template = podTemplate(s.message());
        else s.skip(g.wire);
      }
      rs.spec = spec;
    } else if (f.field === 3) {
      const s = m.message();
      // JSON: replicas always; readyReplicas, availableReplicas, observedGeneration only when not zero.
      const status: Json = { replicas: 0 };
      for (let g = s.key(); g; g = s.key()) {
        if (g.wire !== 0) s.skip(g.wire);
        else if (g.field === 1) status.replicas = s.int32();
        else if (g.field === 4) nonZero(status, 'readyReplicas', s.int32());
        else if (g.field === 5) nonZero(status, 'availableReplicas', s.int32());
        else if (g.field === 3) nonZero(status, 'observedGeneration', s.varint());
        else s.skip(g.wire);
      }
      rs.status = status;
    } else m.skip(f.wire);
  }
  return rs;
}

function nonZero(o: Json, key: string, v: number): void {
  if (v !== 0) o[key] = v;
}

/** core/v1 Service (metadata 1, spec 2): its name, namespace and selector (spec 2, a map). */
export function serviceFromProto(m: ProtoReader): Json {
  const svc: Json = { metadata: {}, spec: {} };
  for (let f = m.key(); f; f = m.key()) {
    if (f.wire !== 2) m.skip(f.wire);
    else if (f.field === 1) svc.metadata = objectMeta(m.message());
    else if (f.field === 2) {
      const s = m.message();
      let selector: Record<string, string> | undefined;
      for (let g = s.key(); g; g = s.key()) {
        if (g.wire === 2 && g.field === 2) {
          const [k, v] = s.entry();
          (selector ??= {})[k] = v;
        } else s.skip(g.wire);
      }
      svc.spec = selector ? { selector } : {};
    } else m.skip(f.wire);
  }
  return svc;
}
