// The plugin's own English phrases that reach a Korean message as its detail: why a connection, a TLS
// handshake, a stream or an exec credential plugin failed (src/kube/http.ts, exec.ts, kubeconfig.ts), and a
// few words a usage error names (a flag's value, a kind of name).
// They are built in English because the verbose log and the tests read them; a Korean message says them
// in Korean here. Anything else in a detail (the API server's or the system's own words) is shown as it came.

const NOT_API_SERVER = 'API 서버 대신 프록시나 로드밸런서가 응답하고 있을 수 있음';

const RULES: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^through the proxy (.+) \(from (.+?)\): (.*)$/s, (m) => `프록시 ${m[1]}(${m[2]}에서 설정)를 거쳐: ${koDetail(m[3]!)}`],
  [/^it answered (\d+) to CONNECT$/, (m) => `CONNECT에 ${m[1]}(으)로 응답함`],
  [/^no answer within (\d+) ms$/, (m) => `${m[1]} ms 안에 응답 없음`],
  [/^the answer was not JSON \((".*")\); a proxy or load balancer .*$/s, (m) => `응답이 JSON이 아님(${m[1]}): ${NOT_API_SERVER}`],
  [/^the list answer was not JSON; a proxy or load balancer .*$/s, () => `목록 응답이 JSON이 아님: ${NOT_API_SERVER}`],
  [
    /^the watch stream held something that is not JSON \((".*")\); .*$/s,
    (m) => `watch 스트림에 JSON이 아닌 것이 있음(${m[1]}): ${NOT_API_SERVER}`,
  ],
  [
    /^the watch stream held something that is not a watch event \((".*")\)$/s,
    (m) => `watch 스트림에 watch 이벤트가 아닌 것이 있음(${m[1]})`,
  ],
  [/^it exited with code (\S+)$/, (m) => `종료 코드 ${m[1]}(으)로 끝남`],
  [/^it was stopped by (\S+)$/, (m) => `${m[1]}(으)로 중지됨`],
  [
    /^it answered with apiVersion (\S+), the kubeconfig asks for (\S+)$/,
    (m) => `apiVersion ${m[1]}(으)로 응답함 (kubeconfig는 ${m[2]}을(를) 요구함)`,
  ],
  [/^the exec plugin of (.*)$/s, (m) => `${m[1]}의 exec 플러그인`],
];

const WORDS: Record<string, string> = {
  'connection refused': '연결이 거부됨',
  'connection reset': '연결이 끊김',
  'connection reset (the server refused the stream)': '연결이 끊김 (서버가 스트림을 거부함)',
  'connection closed': '연결이 닫힘',
  'host not found': '호스트를 찾을 수 없음',
  'host unreachable': '호스트에 닿을 수 없음',
  'network unreachable': '네트워크에 닿을 수 없음',
  'certificate signed by an unknown authority': '알 수 없는 기관이 서명한 인증서',
  'the server certificate has expired': '서버 인증서가 만료됨',
  'the server certificate is not valid for this address': '서버 인증서가 이 주소에 유효하지 않음',
  'the client was closed': '클라이언트가 닫힘',
  aborted: '중단됨',
  interrupted: '중단됨',
  'the compressed answer could not be decompressed': '압축된 응답을 풀 수 없음',
  'the list answer ended in the middle of a value': '목록 응답이 값 중간에서 끝남',
  // What a flag's value is (src/cli/spec.ts valueHint, src/cli/parse.ts) and what a name names (src/cli/load.ts).
  'a value': '값',
  'a revision number from history': 'history에 나온 revision 번호',
  '"why, in words"': '"이유"',
  namespace: '네임스페이스',
  'no such file': '파일이 없습니다',
  'permission denied': '권한이 없습니다',
  'it is a directory': '디렉터리입니다',
  'not found on PATH': 'PATH에서 찾을 수 없음',
  'not executable': '실행 권한이 없음',
  'it could not be started': '시작할 수 없음',
  'its output is larger than 1 MiB': '출력이 1 MiB보다 큼',
  'interactiveMode is Always, but standard input is not a terminal': 'interactiveMode가 Always인데 표준 입력이 터미널이 아님',
  'its output is not an ExecCredential (not JSON)': '출력이 ExecCredential이 아님 (JSON이 아님)',
  'its output is not an ExecCredential': '출력이 ExecCredential이 아님',
  'it returned no status': 'status를 주지 않음',
  'it returned neither a token nor a client certificate': '토큰도 클라이언트 인증서도 주지 않음',
  'it returned a client certificate without its key, or a key without its certificate': '클라이언트 인증서와 키 중 하나만 줌',
  'its expirationTimestamp is not a time': 'expirationTimestamp가 시각이 아님',
};

export function koDetail(detail: string): string {
  const word = WORDS[detail];
  if (word !== undefined) return word;
  for (const [re, say] of RULES) {
    const m = re.exec(detail);
    if (m) return say(m);
  }
  return detail;
}

/**
 * Argo Rollouts' own phase messages (the controller's status.message, and the official plugin's, which
 * src/rollout/phase.ts computes as it does), for display in Korean; JSON keeps them as the cluster says.
 * A message with a reason before it ("ProgressDeadlineExceeded: ...") is the controller's words: as it came.
 */
const PHASE_MESSAGES: Record<string, string> = {
  'waiting for rollout spec update to be observed': '컨트롤러가 spec 변경을 반영하기를 기다리는 중',
  'waiting for rollout spec update to be observed for the reference workload':
    '컨트롤러가 참조된 workload의 spec 변경을 반영하기를 기다리는 중',
  'waiting for rollout to unpause': '일시정지가 풀리기(promote)를 기다리는 중',
  'manually paused': '수동 일시정지',
  'rollout is restarting': 'rollout 재시작 중',
  'more replicas need to be updated': '업데이트할 replica가 남아 있음',
  'updated replicas are still becoming available': '업데이트된 pod가 아직 준비되는 중',
  'active service cutover pending': 'active Service 전환 대기 중',
  'waiting for analysis to complete': '분석이 끝나기를 기다리는 중',
  'waiting for post-promotion verification to complete': 'promote 후 검증이 끝나기를 기다리는 중',
  'old replicas are pending termination': '이전 replica가 종료되기를 기다리는 중',
  'waiting for all steps to complete': '모든 단계가 끝나기를 기다리는 중',
};

export function koPhaseMessage(message: string): string {
  return PHASE_MESSAGES[message] ?? message;
}
