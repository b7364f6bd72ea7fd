// 한국어 메시지. en.ts와 같은 키를 모두 가져야 컴파일된다.
import type { Catalog } from './en.js';
import { koDetail, koPhaseMessage } from './ko-detail.js';

export const ko: Catalog = {
  // ---- 오류: 클러스터와 kubeconfig (종료 코드 1) ----
  'err.rolloutNotFound': (p) =>
    `네임스페이스 "${p.ns}"에 rollout "${p.name}"이(가) 없습니다. blue-green rollout 목록: kubectl bluegreen status -n ${p.ns} (모든 네임스페이스는 -A).`,
  'err.crdMissing': (p) =>
    `${p.server} 클러스터에 Argo Rollouts API(rollouts.argoproj.io)가 설치되어 있지 않습니다. Argo Rollouts를 설치하거나 --context를 확인하세요.`,
  'err.unreachable': (p) =>
    `Kubernetes API 서버 ${p.server}에 연결할 수 없습니다 (${koDetail(p.detail)}). 클러스터가 실행 중인지, --context나 --kubeconfig가 맞는지 확인하세요.`,
  'err.timeout': (p) => `API 서버(${p.server})가 ${p.timeout} 안에 응답하지 않았습니다. 다시 시도하거나 --request-timeout을 늘리세요.`,
  'err.unauthorized': (p) =>
    `API 서버(${p.server})가 사용자 "${p.user}"의 인증 정보를 거부했습니다 (401 Unauthorized): 토큰이나 인증서가 만료되었을 수 있습니다. 다시 로그인해 kubeconfig를 갱신한 뒤 재시도하세요.`,
  'err.forbidden': (p) =>
    `권한 없음: 사용자 "${p.user}"은(는) 네임스페이스 "${p.ns}"에서 ${p.resource}${p.group ? `.${p.group}` : ''}에 ${p.verb}할 수 없습니다. 이를 허용하는 Role 규칙: apiGroups: ["${p.group}"], resources: ["${p.resource}"], verbs: ["${p.verb}"].`,
  'err.forbiddenCluster': (p) =>
    `권한 없음: 사용자 "${p.user}"은(는) 모든 네임스페이스에서 ${p.resource}${p.group ? `.${p.group}` : ''}에 ${p.verb}할 수 없습니다. 이를 허용하는 ClusterRole 규칙: apiGroups: ["${p.group}"], resources: ["${p.resource}"], verbs: ["${p.verb}"]. 또는 -A 없이 실행하세요.`,
  'err.tls': (p) =>
    `${p.server}의 TLS 검증에 실패했습니다 (${koDetail(p.detail)}). kubeconfig의 certificate-authority(또는 --certificate-authority)를 확인하세요.`,
  'err.api': (p) =>
    `API 서버가 ${p.ns ? `네임스페이스 "${p.ns}"의 ` : ''}${p.resource}${p.name ? ` "${p.name}"` : ''}에 대한 ${p.verb} 요청에 ${p.code}(으)로 응답했습니다: ${p.message}`,
  'err.noKubeconfig': () => `kubeconfig가 없습니다: KUBECONFIG를 설정하거나, --kubeconfig를 주거나, ~/.kube/config를 만드세요.`,
  'err.kubeconfigRead': (p) => `kubeconfig ${p.path}을(를) 읽을 수 없습니다: ${koDetail(p.detail)}.`,
  'err.credentialFile': (p) =>
    `${p.field}에 적힌 ${p.path}을(를) 읽을 수 없습니다: ${koDetail(p.detail)}. 경로를 확인하세요 (상대 경로는 kubeconfig 파일이 있는 디렉터리 기준입니다).`,
  'err.kubeconfigBase64': (p) =>
    `kubeconfig의 ${p.kind} "${p.name}"의 "${p.field}"이(가) base64가 아닙니다. kubectl도 거부합니다. PEM 파일 내용을 base64로 넣거나 (base64 -w0 FILE), "${p.field.replace(/-data$/, '')}"로 파일을 지정하세요.`,
  'err.caNotPem': (p) =>
    `cluster "${p.cluster}"의 인증 기관(CA)에 PEM 인증서가 없습니다 (kubectl: "unable to parse bytes as PEM block"). CA 인증서를 PEM("-----BEGIN CERTIFICATE-----")으로, certificate-authority-data에는 base64로 한 번 인코딩해 넣으세요.`,
  'err.impersonationControl': () =>
    `가장(impersonation) 값(--as, --as-group, --as-uid 또는 kubeconfig의 as, as-groups, as-uid, as-user-extra)에 줄바꿈이나 다른 제어 문자가 있어 헤더로 보낼 수 없습니다. 제거하세요.`,
  'err.kubeconfigDuplicate': (p) =>
    `kubeconfig ${p.path}에 ${p.kind} "${p.name}"이(가) 두 번 있습니다. kubectl도 거부합니다("duplicate name"). 하나를 지우거나 이름을 바꾸세요.`,
  'err.kubeconfigBoth': (p) =>
    `kubeconfig의 ${p.kind} "${p.name}"에 "${p.field}"와 "${p.field}-data"가 모두 있습니다. kubectl도 거부합니다("both specified"). 하나만 두세요.`,
  'err.contextNotFound': (p) => `kubeconfig에 context "${p.context}"이(가) 없습니다. 사용할 수 있는 context: ${p.available || '없음'}.`,
  'err.noCurrentContext': (p) => `kubeconfig에 현재 context가 없습니다: --context를 주세요 (사용 가능: ${p.available || '없음'}).`,
  'err.clusterNotFound': (p) => `kubeconfig에 cluster "${p.cluster}"이(가) 없습니다. context의 cluster나 --cluster를 확인하세요.`,
  'err.userNotFound': (p) => `kubeconfig에 user "${p.user}"이(가) 없습니다. context의 user나 --user를 확인하세요.`,
  'err.noServer': () => `kubeconfig에 API 서버 주소가 없습니다: cluster의 server를 설정하거나 --server를 주세요.`,
  'err.execFailed': (p) =>
    `kubeconfig의 인증 플러그인 "${p.command}"이(가) 실패했습니다 (${koDetail(p.code)}). 직접 실행해 원인을 확인하고(예: 다시 로그인) 재시도하세요.`,
  'err.authProvider': (p) => `kubeconfig의 auth-provider "${p.name}"이(가) 인증 정보를 만들지 못했습니다. 다시 로그인한 뒤 재시도하세요.`,
  'err.internal': (p) => `예상하지 못한 오류: ${p.message}. -v로 다시 실행해 자세한 내용을 확인하고, 계속되면 제보해 주세요.`,
  'err.badServerUrl': (p) => `"${p.server}"은(는) API 서버의 https:// 또는 http:// URL이 아닙니다.`,

  // ---- 사용법 (종료 코드 2) ----
  'usage.badPair': (p) =>
    `"${p.arg}"은(는) CONTAINER=IMAGE 형식이 아닙니다 (예: frontend=registry.example.com/apc/frontend:v1.055, 모든 컨테이너는 *=IMAGE).`,
  'usage.badImage': (p) => `"${p.image}"은(는) 올바른 이미지 참조가 아닙니다: ${p.reason}.`,
  'image.digestOnly': () => '저장소 없는 다이제스트입니다: 저장소@sha256:… 형식으로 쓰세요',
  'image.empty': () => '비어 있습니다',
  'image.whitespace': () => '공백이 들어 있습니다',
  'image.uppercase': () => '저장소 이름은 소문자여야 합니다',
  'image.tooLong': () => '이름이 255자를 넘습니다',
  'image.invalid': () => '[registry[:port]/]path[:tag][@sha256:digest] 형식이어야 합니다',
  'usage.unknownContainer': (p) => `rollout "${p.name}"에 컨테이너 "${p.container}"이(가) 없습니다. 컨테이너 목록: ${p.known || '없음'}.`,
  'usage.duplicateContainer': (p) => `컨테이너 "${p.container}"이(가) 두 번 이상 주어졌습니다.`,
  'usage.revisionRenumbered': (p) =>
    `rollout "${p.name}"의 revision ${p.revision}은(는) 이제 revision ${p.now}입니다 (${p.images}): Argo Rollouts는 template이 다시 쓰일 때마다 다음 번호를 붙입니다. 그 버전으로 돌아가려면: kubectl bluegreen undo ${p.name} --to-revision ${p.now}`,
  'usage.revisionRenumberedCurrent': (p) =>
    `rollout "${p.name}"의 revision ${p.revision}은(는) 이제 revision ${p.now}(${p.images})이며, 지금 rollout의 template입니다: Argo Rollouts는 template이 다시 쓰일 때마다 다음 번호를 붙입니다. 그 revision으로 undo할 것이 없습니다. kubectl bluegreen history ${p.name}을(를) 보세요.`,
  'usage.unknownRevision': (p) =>
    `rollout "${p.name}"에 revision ${p.revision}이(가) 없습니다. 있는 revision: ${p.available || '없음'} (kubectl bluegreen history ${p.name} 참고).`,
  'usage.badName': (p) =>
    `"${p.value}"은(는) 올바른 ${koDetail(p.what)} 이름이 아닙니다: 소문자, 숫자, '-', '.'만 쓰고 영문자나 숫자로 시작하고 끝나야 합니다.`,
  'usage.nameTooLong': (p) =>
    `${koDetail(p.what)} 이름 "${p.value}"은(는) ${p.length}자입니다. Kubernetes는 최대 ${p.max}자까지 허용합니다.`,
  'usage.badDuration': (p) => `--${p.flag} "${p.value}"은(는) 시간 길이가 아닙니다 (예: 30s, 5m, 1h30m).`,
  'usage.durationTooLong': (p) =>
    `--${p.flag} "${p.value}"은(는) 이 도구가 잴 수 있는 가장 긴 시간(${p.max}, 약 25일)보다 깁니다. ${p.max} 이하로 주세요.`,
  'usage.badRevision': (p) => `--to-revision "${p.value}"은(는) revision 번호가 아닙니다 (1 이상의 정수).`,
  'usage.allNamespaces': () => `-A/--all-namespaces는 목록용입니다. rollout 이름과 함께 쓸 수 없습니다.`,
  'usage.reasonControl': () => `--reason에 제어 문자가 있습니다 (이스케이프 시퀀스?). 일반 텍스트로 쓰세요.`,
  'usage.reasonTooLong': (p) => `--reason이 ${p.max}자를 넘습니다. 줄여 주세요.`,
  'usage.watchOutput': () => `--watch는 사람이 보는 화면입니다. -o json이나 yaml과 함께 쓸 수 없습니다.`,
  'usage.watchNeedsName': () => `--watch는 rollout 하나를 따라갑니다. 이름을 주세요. 예: kubectl bluegreen status frontend --watch.`,
  'usage.unknownCommand': (p) =>
    `알 수 없는 명령 "${p.word}"${p.suggestion ? `. "${p.suggestion}"을(를) 말씀하신 건가요?` : '.'} 명령: ${p.commands}. kubectl bluegreen --help를 보세요.`,
  'usage.unknownFlag': (p) =>
    `${p.command}에 없는 플래그 ${p.flag}${p.suggestion ? `. ${p.suggestion}을(를) 말씀하신 건가요?` : '.'} kubectl bluegreen ${p.command} --help를 보세요.`,
  'usage.flagNotHere': (p) =>
    `${p.flag}은(는) ${p.command}의 플래그가 아닙니다 (${p.commands}의 플래그입니다). kubectl bluegreen ${p.command} --help를 보세요.`,
  'usage.badChoice': (p) => `${p.command}은(는) ${p.flag} "${p.value}"을(를) 지원하지 않습니다. 다음 중 하나를 쓰세요: ${p.allowed}.`,
  'usage.missingValue': (p) => `${p.flag}에는 값이 필요합니다 (${koDetail(p.hint)}).`,
  'usage.missingArgument': (p) =>
    `${p.command}에는 ${p.what}이(가) 필요합니다: kubectl bluegreen ${p.command} ${p.what}. kubectl bluegreen ${p.command} --help를 보세요.`,
  'usage.tooManyArguments': (p) =>
    `${p.command}에 인수가 너무 많습니다. 예상하지 않은 인수: ${p.extra}. kubectl bluegreen ${p.command} --help를 보세요.`,
  'usage.missingFlag': (p) => `${p.command}에는 ${p.flag}이(가) 필요합니다${p.hint ? ` (${p.hint})` : ''}.`,

  // ---- rollout 상태상 불가 (종료 코드 4) ----
  'state.notBlueGreen': (p) =>
    `rollout "${p.name}"은(는) blue-green이 아니라 ${p.strategy} 전략을 씁니다. kubectl bluegreen은 blue-green rollout만 다룹니다 (kubectl argo rollouts를 쓰세요).`,
  'state.workloadKind': (p) =>
    `rollout "${p.name}"은(는) ${p.kind} "${p.workload}"에서 pod template을 가져옵니다(workloadRef). kubectl bluegreen은 workloadRef의 template을 Deployment(apps/v1)에서만 바꿉니다. ${p.kind}의 template을 직접 바꾼 뒤 kubectl bluegreen status ${p.name}(으)로 지켜보세요.`,
  'state.workloadMissing': (p) =>
    `rollout "${p.name}"은(는) ${p.kind} "${p.workload}"에서 pod template을 가져오지만(workloadRef), 그 객체가 네임스페이스에 없습니다. 만들거나 spec.workloadRef를 고친 뒤 다시 실행하세요.`,
  'state.nothingToPromote': (p) =>
    `promote할 것이 없습니다: rollout "${p.name}"에 대기 중인 preview가 없고, 사용자는 이미 ${p.v}에 접속 중입니다.`,
  'state.noActiveYet': (p) =>
    `rollout "${p.name}"에는 아직 active 버전이 없습니다: 첫 버전은 준비되면 스스로 운영에 들어갑니다 (kubectl bluegreen wait ${p.name} --for=healthy).`,
  'state.nothingToAbort': (p) =>
    `abort할 것이 없습니다: rollout "${p.name}"에 대기 중인 preview가 없습니다. 사용자는 ${p.v}에 접속 중입니다.`,
  'state.alreadyAborted': (p) =>
    `rollout "${p.name}"은(는) 이미 abort되었습니다. 사용자는 ${p.v}에 접속 중입니다. preview를 되살리려면 kubectl bluegreen retry ${p.name}, 버리려면 undo(또는 set-image)를 실행하세요.`,
  'state.abortedPromote': (p) =>
    `rollout "${p.name}"은(는) abort된 상태라 일반 promote는 아무것도 하지 않습니다. 먼저 kubectl bluegreen retry ${p.name}(으)로 preview를 되살리거나, abort된 preview를 바로 사용자에게 내보내려면(promote) --full을, 버리려면 undo를 쓰세요.`,
  'state.notAborted': (p) =>
    `retry할 것이 없습니다: rollout "${p.name}"은(는) abort된 상태가 아닙니다. 사용자는 ${p.v}에 접속 중입니다. retry는 kubectl bluegreen abort 뒤에 preview를 되살립니다.`,
  'state.notObserved': (p) =>
    `Argo Rollouts 컨트롤러가 rollout "${p.name}"의 최근 변경을 아직 반영하지 않았습니다. 잠시 후 다시 시도하고, 계속되면 컨트롤러가 실행 중인지 확인하세요.`,
  'state.notPausedYet': (p) =>
    `rollout "${p.name}"의 preview가 아직 promote 대기 상태가 아니라서 (${p.phase}) 지금 promote해도 바뀌는 것이 없습니다. kubectl bluegreen wait ${p.name} --for=paused로 기다리거나, 준비되는 즉시 전환하려면 --full을 쓰세요.`,
  'state.nothingToUndo': (p) => `되돌릴 대상이 없습니다: rollout "${p.name}"에 이전 revision이 없습니다.`,
  'state.undoAlreadyCurrent': (p) => `되돌릴 것이 없습니다: rollout "${p.name}"의 pod template이 이미 revision ${p.revision}입니다.`,
  'state.changed': (p) =>
    `아무것도 바꾸지 않았습니다: rollout "${p.name}"이(가) 읽은 뒤에 바뀌었습니다 (${p.what}). 명령을 다시 실행해 새 상태를 확인하세요.`,
  'state.changedBy': (p) => `${p.at}에 ${p.by}이(가) ${p.action}을(를) 실행했습니다.`,
  'state.changedPartial': (p) =>
    `이번 promote의 두 요청 사이에 rollout "${p.name}"이(가) 바뀌었습니다 (${p.what}): 일시정지 조건은 해제되었지만 여전히 수동 일시정지 상태입니다(spec.paused). 명령을 다시 실행해 새 상태를 보고 마무리하세요.`,
  'state.partial': () =>
    `첫 번째 요청은 이미 적용되었지만(일시정지 조건 해제) rollout은 여전히 수동 일시정지 상태입니다(spec.paused). 명령을 다시 실행해 마무리하세요.`,
  'state.changed.preview': () => 'preview가 다른 revision이 되었습니다',
  'state.changed.active': () => '다른 revision이 사용자 트래픽을 받고 있습니다',
  'state.changed.spec': () => 'spec이 바뀌었습니다',
  'state.changed.paused': () => '더 이상 promote 대기 상태가 아닙니다',
  'state.changed.unknown': () => '상태가 바뀌었습니다',
  'state.changedWorkload': (p) =>
    `아무것도 바꾸지 않았습니다: rollout "${p.name}"의 pod template을 가진 Deployment "${p.workload}"(workloadRef)이(가) 읽은 뒤에 바뀌었습니다(${p.what}). 새 상태를 보려면 명령을 다시 실행하세요.`,
  'state.changed.workloadGeneration': (p) => `generation이 ${p.from}에서 ${p.to}(으)로 바뀌었습니다`,
  'state.changed.workloadGone': () => '삭제되었습니다',
  'state.needsForce': (p) => `promote를 거부합니다: ${p.reasons} 그래도 promote하려면 --force로 다시 실행하세요.`,

  // ---- 확인 (종료 코드 3) ----
  'confirm.prompt': () => '계속할까요? [y/N] ',
  'confirm.typeVersion': (p) => `사용자에게 이전 버전이 나갑니다. 진행하려면 사용자가 받게 될 버전(${p.v})을 입력하세요: `,
  'confirm.noTty': () =>
    `확인되지 않음: 물어볼 터미널이 없습니다 (또는 CI=true). 진행하려면 --yes로, 요청만 보려면 --dry-run으로 다시 실행하세요.`,
  'confirm.declined': () => `확인되지 않음: 아무것도 바꾸지 않았습니다.`,
  'confirm.typedWrong': (p) =>
    `확인되지 않음: 이 변경은 사용자에게 이전 버전을 내보내므로 y가 아니라 버전(${p.v})을 입력해야 합니다. 아무것도 바꾸지 않았습니다.`,
  interrupted: () => `중단됨: 아무것도 바꾸지 않았습니다.`,

  // ---- 가드 ----
  'guard.title': (p) => `${p.action}: rollout ${p.name} (네임스페이스 ${p.ns})`,
  'guard.usersNow': (p) => `지금 사용자는 ${p.v}에 접속 중입니다.`,
  'guard.usersNowNone': () => `아직 사용자에게 서비스 중인 버전이 없습니다.`,
  'guard.after.immediately': (p) => `${p.action} 후에는 사용자가 ${p.v}에 접속합니다.`,
  'guard.after.same': (p) => `${p.action} 후에도 사용자는 계속 ${p.v}에 접속합니다.`,
  'guard.after.afterPromote': (p) =>
    `${p.action} 후에도 사용자는 같은 버전에 접속합니다. ${p.v}은(는) 새 preview가 되고, promote해야 사용자에게 나갑니다.`,
  'guard.after.automatically': (p) =>
    `${p.action} 후 ${p.v}이(가) 새 preview가 되고, 준비되면 promote 없이 자동으로 사용자가 전환됩니다 (자동 promote가 켜져 있음).`,
  'guard.after.automaticallyAfter': (p) =>
    `${p.action} 후 ${p.v}이(가) 새 preview가 되고, 준비되고 ${p.seconds}초 뒤 promote 없이 자동으로 사용자가 전환됩니다 (자동 promote가 켜져 있음).`,
  'guard.after.unpausesOnly': (p) =>
    `이번 promote 후에도 사용자는 ${p.before}에 접속합니다: 컨트롤러가 아직 ${p.v}을(를) promote 대기로 멈추지 않았기 때문에(spec.paused가 먼저 설정됨) 이번 promote는 수동 일시정지만 풀고, 그 뒤 ${p.v}은(는) 한 번 더 promote를 기다립니다.`,
  'guard.after.unpausesThenAuto': (p) =>
    `이번 promote 직후에는 사용자가 아직 ${p.before}에 접속합니다: 수동 일시정지가 풀리면 컨트롤러가 스스로 사용자를 ${p.v}(으)로 전환합니다 (자동 promote가 켜져 있음).`,
  'guard.after.fast': (p) => `${p.action} 후 사용자는 즉시 ${p.v}에 접속합니다 (빠른 롤백).`,
  'guard.downgrade': (p) => `이것은 다운그레이드, 사실상 롤백입니다: ${p.after}은(는) ${p.before}보다 이전 버전입니다 (${p.signals}).`,
  'guard.olderUnknown': (p) =>
    `${p.after}이(가) ${p.before}보다 이전 버전인지 알 수 없습니다 (${p.why}). 사용자에게 나가기 전에 어느 빌드가 더 새 것인지 확인하세요.`,
  'guard.notRollback': () => `Promote는 롤백이 아닙니다: 버전과 상관없이 preview를 사용자에게 내보냅니다.`,
  'guard.keepActive': (p) => `대신 사용자를 ${p.v}에 그대로 두려면 다음 중 하나를 실행하세요:`,
  'guard.keepActiveCommand': (p) => `${p.command}    (사용자는 ${p.v} 유지)`,
  'guard.notReady': (p) => `preview가 아직 준비되지 않았습니다: pod ${p.want}개 중 ${p.ready}개만 사용 가능합니다.`,
  'guard.analysisNotPassed': (p) =>
    `promote 전 분석(pre-promotion analysis)을 통과하지 못했습니다 (${p.status}${p.message ? `: ${p.message}` : ''}).`,
  'guard.countdown': (p) =>
    `자동 promote 카운트다운이 진행 중입니다: 컨트롤러가 ${p.at}에 스스로 사용자를 전환합니다. 지금 promote하면 기다리지 않고 즉시 사용자가 전환됩니다 (일시정지만 지우면 카운트다운이 처음부터 다시 시작됩니다).`,
  'guard.argoCD.auto': (p) =>
    `Argo CD 애플리케이션 "${p.app}"이(가) 이 rollout을 auto-sync로 관리합니다: 이 변경을 Git 내용으로 되돌릴 수 있습니다. Git을 바꾸거나 먼저 auto-sync를 멈추세요.`,
  'guard.argoCD.unknown': (p) =>
    `Argo CD가 이 rollout을 관리합니다 (애플리케이션 "${p.app}"). auto-sync가 켜져 있다면 이 변경을 되돌릴 수 있습니다. Git을 바꾸거나 먼저 auto-sync를 멈추세요.`,
  'guard.argoCD.manual': (p) =>
    `Argo CD가 이 rollout을 관리합니다 (애플리케이션 "${p.app}", auto-sync 없음): Git과 맞을 때까지 OutOfSync로 표시됩니다.`,
  'guard.undoKeepsActive': (p) =>
    `그 revision이 지금 사용자가 접속 중인 버전입니다: 컨트롤러는 사용자를 그대로 두고 preview를 버립니다${p.dropped ? ` (${p.dropped})` : ''}.`,
  'guard.sameImagesNewTemplate': (p) =>
    `지금 사용자가 접속 중인 버전과 이미지는 같지만(${p.before}) pod template은 다릅니다: active ReplicaSet의 template과 ${p.paths}이(가) 다릅니다. 컨트롤러는 이것으로 새 ReplicaSet, 즉 새 preview를 만듭니다. promote되면 사용자는 같은 이미지를 이 template으로 받고, 그 필드에서 지금 버전에만 있는 설정은 사라집니다.`,
  'guard.sameImagesTemplateUnknown': (p) =>
    `지금 사용자가 접속 중인 버전과 이미지가 같습니다(${p.before}). 나머지 pod template이 active ReplicaSet의 것과 같은지는 알 수 없습니다 (현재 template의 ReplicaSet을 읽지 못했거나 컨트롤러가 아직 반영하지 않았습니다). 다르다면 컨트롤러는 새 ReplicaSet, 즉 새 preview를 만들고, promote되면 사용자가 그것을 받습니다.`,
  'guard.sameImagesUndo': (p) =>
    `지금 사용자가 접속 중인 버전(${p.before})을 그대로 되돌리려면 대신 undo --to-revision ${p.revision}을(를) 실행하세요.`,
  'guard.morePaths': (p) => ` 외 ${p.count}개`,
  'guard.undoFastRollback': (p) =>
    `그 ReplicaSet이 scale-down 지연 시간 안에 아직 실행 중입니다 (${p.deadline}까지): promote 없이 사용자가 즉시 전환됩니다 (빠른 롤백).`,
  'guard.undoRollbackWindow': (p) =>
    `spec.rollbackWindow(${p.revisions}개 revision)에 포함됩니다: 컨트롤러는 일시정지와 분석을 건너뛰고, pod가 준비되는 즉시 promote 없이 사용자를 전환합니다.`,
  'guard.undoRollbackWindowStuck': (p) =>
    `spec.rollbackWindow에 포함되지만, Argo Rollouts v1.10 이전(이 컨트롤러: ${p.release})에는 컨트롤러가 blue-green rollout을 일시정지하지도 전환하지도 않습니다: Progressing("active service cutover pending") 상태로 남고, kubectl bluegreen promote --full로만 사용자가 전환됩니다.`,
  'guard.undoToStable': (p) =>
    `stable revision(마지막으로 완전히 promote된 것)입니다: Argo Rollouts v1.10부터(이 컨트롤러: ${p.release}) 여기로 되돌리는 것은 빠른 롤백이어서, pod가 준비되는 즉시 promote 없이 사용자가 전환됩니다.`,
  'guard.undoNewPreview': () => `해당 ReplicaSet이 축소되어 있으므로 새 preview로 돌아오며, 가장 최신 revision 번호를 받습니다.`,
  'guard.undoNotRollback': (p) =>
    `그 ReplicaSet은 scale-down 지연 시간 안에 아직 실행 중이지만, 사용자가 접속 중인 ReplicaSet보다 먼저 만들어지지 않았습니다 (${p.target}, ${p.stable}보다 이전 아님). 그래서 컨트롤러(Argo Rollouts ${p.release})는 이를 롤백으로 보지 않습니다: 새 preview로 돌아오며, 사용자는 promote 후에야 이 버전에 접속합니다.`,
  'guard.fastRollbackReleaseUnknown': (p) =>
    `사용자가 즉시 전환되는지는 Argo Rollouts 릴리스에 따라 다릅니다${p.release ? ` (컨트롤러 이미지 태그 "${p.release}"은(는) 릴리스가 아님)` : ' (읽을 수 없음: Deployment 조회 권한이 없거나 argo-rollouts Deployment가 없음)'}: v1.10 이전에는 즉시 전환되고, v1.10부터는 그 ReplicaSet이 사용자가 접속 중인 것보다 먼저 만들어졌을 때만 전환됩니다. 여기서는 즉시 전환된다고 가정합니다.`,
  'guard.replacesPreview': (p) => `지금 대기 중인 preview(${p.v})는 교체되어 축소됩니다.`,
  'guard.fullSkipsAnalysis': () => `--full은 남은 일시정지와 모든 분석을 건너뜁니다.`,
  'guard.clearsManualPause': () => `rollout이 수동으로 일시정지되어 있습니다 (spec.paused). promote는 일시정지도 풉니다.`,
  'guard.manualPauseHolds': (p) =>
    `rollout이 수동으로 일시정지되어 있습니다 (spec.paused): 일시정지 중에는 컨트롤러가 빠른 롤백이나 자동 promote를 포함해 아무도 전환하지 않으므로, 사용자는 계속 ${p.before}에 접속합니다. promote하면 일시정지가 풀리고, 새 버전은 그 뒤 한 번 더 promote를 기다릴 수 있습니다.`,
  'guard.abortLeavesDegraded': (p) =>
    `preview ${p.preview}은(는) abort ${p.seconds}초 뒤 축소되고(abortScaleDownDelaySeconds) rollout은 Degraded로 표시됩니다. spec에는 여전히 ${p.preview}이(가) 남아 있으니, 이후 undo(또는 set-image)로 정리하세요.`,
  'guard.abortKeepsPreviewUp': (p) =>
    `preview ${p.preview}은(는) 계속 실행됩니다(abortScaleDownDelaySeconds: 0). rollout은 Degraded로 표시됩니다. spec에는 여전히 ${p.preview}이(가) 남아 있으니, 이후 undo(또는 set-image)로 정리하세요.`,
  'guard.abortToStable': (p) =>
    `stable revision은 ${p.stable}이며, 지금 사용자가 접속 중인 버전이 아닙니다: ${p.before}은(는) promote 후 분석을 아직 통과하지 못했고, abort하면 컨트롤러가 active Service를 stable revision으로 돌립니다. 사용자는 ${p.stable}(으)로 되돌아갑니다.`,
  'guard.abortToStableGone': (p) =>
    `stable revision(ReplicaSet 해시 ${p.hash})은 지금 사용자가 접속 중인 버전(${p.before})이 아니며, 그 ReplicaSet을 찾지 못했습니다: abort하면 컨트롤러가 active Service를 그곳으로 돌리므로 사용자가 어떤 pod에도 닿지 못할 수 있습니다.`,
  'guard.abortedPromoteFull': () => `rollout이 abort된 상태입니다. --full은 abort를 무시하고 진행합니다.`,
  'guard.retryAnalysis': () => `promote하기 전에 promote 전 분석이 다시 실행됩니다.`,
  'guard.ephemeralStripped': (p) =>
    `컨트롤러가 주입한 메타데이터(activeMetadata/previewMetadata)는 복원하는 template에서 뺍니다: ${p.keys}.`,
  'guard.viaWorkload': (p) =>
    `pod template은 ${p.kind} "${p.workload}"에 있습니다(workloadRef): 변경은 읽은 generation이 그대로일 때만 그곳에 쓰고, 기록은 rollout "${p.name}"에 남깁니다.`,
  'guard.workloadPodsRoll': (p) =>
    `Deployment "${p.workload}"이(가) 자체 pod ${p.replicas}개를 아직 실행 중입니다: Kubernetes가 이 pod들을 즉시 ${p.v}(으)로 교체합니다(Deployment rolling update, blue-green 밖, promote 없음). rollout의 Service가 아닌 다른 Service로 이 pod들에 접속하는 사용자는 지금 바로 ${p.v}을(를) 받습니다. ${p.scaleDown}`,
  'guard.scaleDown.never': () => `(scaleDown: never는 이 pod들을 그대로 둡니다. 마이그레이션이 끝나면 Deployment를 0으로 줄이세요.)`,
  'guard.scaleDown.onsuccess': () =>
    `(scaleDown: onsuccess는 revision 1이 Healthy가 될 때만 0으로 줄이므로, 이 변경 뒤에는 줄이지 않습니다. 마이그레이션이 끝나면 직접 0으로 줄이세요.)`,
  'guard.scaleDown.progressively': () =>
    `(scaleDown: progressively는 revision 1이 올라오는 동안에만 줄이므로, 이 변경 뒤에는 줄이지 않습니다. 마이그레이션이 끝나면 직접 0으로 줄이세요.)`,
  'guard.target': (p) => `undo는 revision ${p.revision}을(를) 복원합니다: ${p.v}.`,
  'guard.requestsDryRun': () => `보낼 요청:`,
  'guard.dryRunDone': () => `Dry run: 아무것도 바꾸지 않았습니다.`,
  'guard.dryRunServer': () => `Dry run: API 서버가 server-side dry run으로 요청을 받아들였습니다. 아무것도 바꾸지 않았습니다.`,
  'guard.nudgeNote': (p) =>
    `그 후 ${p.seconds}초가 지나도 Argo Rollouts 컨트롤러가 반응하지 않으면, bluegreen.kubectl.io/nudged-at annotation PATCH를 최대 ${p.count}번 더 보내 컨트롤러를 깨웁니다 (rollout이 일시정지된 직후의 변경을 컨트롤러가 놓칠 수 있음).`,
  'guard.forced': () => `--force가 주어져 그래도 promote합니다.`,
  'guard.noop': (p) => `rollout "${p.name}"은(는) 이미 ${p.v}을(를) 실행 중입니다. 바꿀 것이 없습니다.`,
  'guard.noopPreview': (p) =>
    `바꿀 것이 없습니다: ${p.v}은(는) 이미 rollout "${p.name}"에서 대기 중인 preview입니다. promote하기 전까지 사용자는 계속 ${p.users}에 접속합니다.`,

  // ---- 결과 ----
  'result.promoted': (p) => `rollout "${p.name}" promote 완료: 컨트롤러가 사용자를 ${p.v}(으)로 전환하고 있습니다.`,
  'result.abortedToStable': (p) => `rollout "${p.name}" abort 완료: 사용자는 stable revision ${p.v}(으)로 되돌아가고, ${p.preview}.`,
  'result.aborted': (p) => `rollout "${p.name}" abort 완료: 사용자는 ${p.v}에 그대로 있고, ${p.preview}.`,
  'result.previewScalesDown': () => 'preview는 축소되고 있습니다',
  'result.previewStaysUp': () => 'preview는 계속 실행됩니다 (abortScaleDownDelaySeconds: 0)',
  'result.retried': (p) =>
    `rollout "${p.name}" 재시도: ${p.v}이(가) 다시 preview가 됩니다. promote하기 전까지 사용자는 계속 ${p.users}에 접속합니다.`,
  'result.unpausedOnly': (p) =>
    `rollout "${p.name}": 수동 일시정지를 풀었습니다. ${p.v}은(는) 이제 한 번 더 promote를 기다리며, 사용자는 계속 ${p.users}에 접속합니다.`,
  'result.undone': (p) => `rollout "${p.name}": pod template을 revision ${p.revision}(${p.v})(으)로 되돌렸습니다${p.where}.`,
  'result.imageSet': (p) => `rollout "${p.name}": 이미지를 바꿨습니다${p.where}. ${p.v}이(가) 새 preview가 되고 있습니다.`,
  'result.imageSetActive': (p) => `rollout "${p.name}": 이미지를 사용자가 이미 접속 중인 ${p.v}(으)로 되돌렸습니다${p.where}.`,
  'result.where': (p) => ` (${p.kind} ${p.workload})`,
  'result.recorded': (p) => `${p.by}(으)로 기록했습니다 (annotation bluegreen.kubectl.io/last-change와 Event).`,
  'result.recordLost': (p) =>
    `경고: 변경은 되었지만 기록(annotation bluegreen.kubectl.io/last-change 또는 Event) 요청의 응답을 받지 못했습니다 (${p.detail}): 기록되었을 수도, 아닐 수도 있습니다. kubectl get events와 annotation으로 확인하세요.`,
  'result.recordFailed': (p) => `경고: 변경은 되었지만 기록에 실패했습니다: ${p.detail}`,
  'result.notActedYet': (p) =>
    `경고: Argo Rollouts 컨트롤러가 아직 처리하지 않았습니다 (바쁘거나 실행 중이 아닐 수 있습니다). 진행 상황 보기: kubectl bluegreen status ${p.name} -n ${p.ns} --watch`,
  'result.cannotConfirm': () => `변경은 적용되었지만, Argo Rollouts 컨트롤러가 반영했는지는 지켜볼 수 없습니다:`,
  'result.madeWaitFailed': () => `변경은 적용되었습니다. 컨트롤러를 기다리는 중 실패했습니다:`,
  outputFailed: (p) => `출력을 쓸 수 없습니다 (${p.code}: 디스크가 가득 찼거나 파일이 너무 큰가요?). 출력이 완전하지 않습니다.`,
  'result.stoppedWaiting': () => `컨트롤러 기다리기를 멈췄습니다 (Ctrl-C). 변경은 적용되었습니다.`,
  'result.follow': (p) => `진행 상황 보기: kubectl bluegreen status ${p.name} -n ${p.ns} --watch`,
  'result.writeUnknown': (p) => `변경을 보내는 중에 연결이 끊겼습니다. 변경되었는지 rollout "${p.name}"을(를) 다시 읽어 확인합니다.`,
  'result.writeDone': () => `변경되었습니다 (rollout을 다시 읽어 확인함).`,
  'result.writeUnknownWorkload': (p) =>
    `변경을 보내는 중에 연결이 끊겼습니다. 변경되었는지 Deployment "${p.workload}"을(를) 다시 읽어 확인합니다.`,
  'result.writeDoneWorkload': (p) => `변경되었습니다 (Deployment "${p.workload}"을(를) 다시 읽어 확인함).`,
  'result.writeNotDone': () => `변경되지 않았습니다. 명령을 다시 실행해도 안전합니다.`,
  'result.writeNotSeen': () =>
    `다시 읽은 객체에는 변경이 보이지 않지만, 응답을 잃은 요청을 API 서버가 아직 적용할 수 있습니다. 다시 실행하기 전에 kubectl bluegreen status로 확인하세요.`,
  'result.writeMoved': () =>
    `변경이 적용되었는지 알 수 없습니다: 그 사이 rollout이 다른 preview로 바뀌었습니다 (다른 변경). 다시 실행하기 전에 kubectl bluegreen status로 확인하세요.`,
  'result.writeStillUnknown': () =>
    `변경 여부를 알 수 없습니다: API 서버에 연결할 수 없습니다. 다시 실행하기 전에 kubectl bluegreen status로 확인하세요.`,

  // ---- status 화면 ----
  'status.title': (p) => `Rollout ${p.name} · 네임스페이스 ${p.ns}`,
  'status.users': () => '사용자 트래픽',
  'status.active': () => 'ACTIVE · 사용자가 접속 중',
  'status.preview': () => 'PREVIEW · 대기 중, 사용자 접속 없음',
  'status.previewAborted': () => 'PREVIEW · abort됨, 축소 중',
  'status.previewFirst': () => 'FIRST · 첫 버전, 준비되면 운영 시작',
  'status.noPreview': () => '대기 중인 preview가 없습니다: 사용자는 이미 spec이 지정한 목표 revision에 접속 중입니다.',
  'status.revision': (p) => `revision ${p.n}`,
  'status.pods': (p) => `pod ${p.ready}/${p.want} 준비됨`,
  'status.created': (p) => `${p.age} 전 생성`,
  'status.replicaSet': (p) => `ReplicaSet ${p.name}`,
  'status.replicaSetGone': (p) => `해시 ${p.hash}의 ReplicaSet이 없습니다 (삭제됨?)`,
  'status.service': (p) => `Service ${p.name}`,
  'status.serviceMissing': (p) => `Service ${p.name} 없음`,
  'status.noPreviewService': () => 'preview Service 없음',
  'status.older': () => 'preview가 지금 사용자가 접속 중인 버전보다 이전 버전입니다:',
  'status.signal.createdBefore': () => 'ReplicaSet이 active보다 먼저 만들어졌습니다',
  'status.signal.servedBefore': (p) => `예전에 revision ${p.revisions}이었습니다`,
  'status.signal.tagLower': (p) => `태그 ${p.preview} < ${p.active}`,
  'status.olderUnknown': () => 'preview가 지금 사용자가 접속 중인 버전보다 이전 버전인지 알 수 없습니다:',
  'older.unknown': (p) => `태그 ${p.preview}와(과) ${p.active}: ${p.why}. 그래서 순서를 알 수 없습니다`,
  'older.unknownImages': (p) => `이미지 ${p.preview}와(과) ${p.active}: ${p.why}. 그래서 순서를 알 수 없습니다`,
  'older.why.differentRepository': () => '서로 다른 저장소의 이미지입니다',
  'older.why.nothingToCompare': () =>
    '사용자가 접속 중인 버전의 이미지를 여기서 알 수 없습니다 (같은 이름의 컨테이너가 없거나, active ReplicaSet을 찾지 못했습니다)',
  'older.why.noTag': () => '한쪽에 태그가 없습니다 (다이제스트로만 고정)',
  'older.why.floating': () => '움직이는 태그(latest 등)는 버전을 나타내지 않습니다',
  'older.why.sha': () => '커밋 해시에는 순서가 없습니다',
  'older.why.noVersion': () => '버전이 없는 태그입니다',
  'older.why.differentSchemes': () => '서로 다른 방식의 태그입니다',
  'older.why.differentPrecision': () => '정밀도가 다릅니다 (짧은 쪽이 더 새 릴리스일 수 있음)',
  'older.why.ambiguousDigits': () => '0으로 채운 숫자와 그렇지 않은 숫자가 섞여 있습니다',
  'older.why.sameVersionDifferentSuffix': () => '같은 버전에 접미사만 다릅니다',
  'older.why.sameVersionDifferentCommit': () => '같은 버전을 다른 커밋에서 빌드했습니다',
  'older.why.sameTagOtherDigest': () => '같은 태그가 서로 다른 다이제스트를 가리킵니다: 태그로는 순서를 알 수 없는 두 빌드입니다',
  'status.phase': () => '상태',
  'status.next': () => '다음 동작:',
  'status.next.promote': (p) => `사용자가 ${p.v}에 접속`,
  'status.next.promoteDowngrade': (p) => `사용자가 ${p.v}에 접속: 다운그레이드 (promote는 롤백이 아님)`,
  'status.next.promoteUnknown': (p) => `사용자가 ${p.v}에 접속 (이전 버전인지 알 수 없음)`,
  'status.next.promoteUnpausesOnly': (p) => `수동 일시정지만 풂: 그 뒤 ${p.v}은(는) 한 번 더 promote를 기다림`,
  'status.next.promoteNotReady': (p) => `아직 아님: preview가 준비되지 않음 (이후 사용자는 ${p.v}에 접속)`,
  'status.next.undoKeeps': (p) => `사용자는 ${p.v} 유지, preview는 버림`,
  'status.next.undoFast': (p) => `사용자가 즉시 ${p.v}(으)로 전환 (빠른 롤백)`,
  'status.next.undoPreview': (p) => `${p.v}이(가) 새 preview가 됨, promote 후 사용자에게 나감`,
  'status.next.undoAuto': (p) => `${p.v}이(가) 새 preview가 되고 사용자가 자동으로 전환됨`,
  'status.next.abortToStable': (p) => `사용자는 stable revision ${p.v}(으)로 되돌아감, preview는 축소`,
  'status.next.abort': (p) => `사용자는 ${p.v} 유지, preview는 축소`,
  'status.next.setImage': () => `새 버전을 preview로 시작: set-image ROLLOUT CONTAINER=IMAGE`,
  'status.next.wait': () => `preview가 promote 가능한 상태가 될 때까지 대기`,
  'status.next.full': (p) => `abort된 preview ${p.v}이(가) 사용자에게 나감`,
  'status.next.fullDowngrade': (p) => `abort된 preview ${p.v}이(가) 사용자에게 나감: 다운그레이드 (promote는 롤백이 아님)`,
  'status.next.retry': (p) => `${p.v}이(가) 다시 preview가 됨. promote 전까지 사용자는 그대로`,
  'status.next.retryDowngrade': (p) =>
    `${p.v}이(가) 다시 preview가 됨 (사용자가 접속 중인 버전보다 이전 버전). promote 전까지 사용자는 그대로`,
  'status.autoPromotion': () => '자동 promote 켜짐: preview가 준비되면 promote 없이 사용자가 전환됩니다.',
  'status.autoPromotionAt': (p) => `자동 promote: ${p.at}에 (${p.in} 후) 사용자가 preview로 전환됩니다.`,
  'status.analysis': (p) => `${p.which} 분석: ${p.status}${p.message ? ` (${p.message})` : ''}`,
  'status.analysis.pre': () => 'promote 전',
  'status.analysis.post': () => 'promote 후',
  'status.aborted': (p) => `Abort됨${p.at ? ` (${p.at})` : ''}: 사용자는 stable revision에 그대로 있습니다.`,
  'status.notObserved': () => '컨트롤러가 최신 spec을 아직 반영하지 않았습니다.',
  'status.workload': (p) =>
    `pod template: ${p.kind} ${p.workload} (workloadRef, scaleDown ${p.scaleDown}). set-image와 undo는 그곳을 바꿉니다.`,
  'status.workloadUnsupported': (p) =>
    `pod template: ${p.kind} ${p.workload} (workloadRef). kubectl bluegreen은 Deployment의 template만 바꿉니다.`,
  'status.workloadPods': (p) =>
    `Deployment ${p.workload}이(가) blue-green 밖에서 자체 pod를 아직 실행 중입니다(준비 ${p.ready}/${p.want}): template을 바꾸면 즉시 교체됩니다.`,
  'status.workloadMissing': (p) => `${p.kind} ${p.workload} (workloadRef) 없음: 새 revision을 만들 수 없습니다.`,
  'status.workloadUnread': (p) => `${p.kind} ${p.workload} (workloadRef)을(를) 읽을 수 없습니다 (권한 없음).`,
  'status.workloadNotObserved': (p) => `컨트롤러가 Deployment ${p.workload}의 최신 template을 아직 반영하지 않았습니다.`,
  'status.selectorMismatch': (p) =>
    `active Service는 ${p.service}을(를) 가리키지만 컨트롤러의 마지막 기록은 ${p.status}입니다: 컨트롤러가 동작하지 않을 수 있습니다.`,
  'status.stableDiffers': (p) => `stable(마지막으로 완전히 promote된 버전)은 아직 ${p.v}입니다: promote 후 검사가 진행 중입니다.`,
  'status.unpausing': (p) =>
    `promote${p.since ? `(${p.since})` : ''}가 전달되었지만 컨트롤러가 아직 처리하지 않았습니다. 계속 이 상태라면 Argo Rollouts 컨트롤러가 동작하지 않는 것입니다 (실행 중인가요?).`,
  'status.controllerStill': (p) =>
    `preview(ReplicaSet ${p.replicaSet})는 사용 가능한 상태(${p.ready})인데, 그것도 rollout의 status도 ${p.since}(${p.ago} 전) 이후로 바뀌지 않았습니다: 컨트롤러가 rollout을 진행시키지 않고 있습니다. 컨트롤러가 멈췄거나 오류 상태이거나, Argo Rollouts v1.7.x라면 그 ReplicaSet의 오래된 사본을 캐시에 들고 있을 수 있습니다. kubectl bluegreen wait ${p.name} -n ${p.ns} --for=${p.goal} 로 1분간 지켜보면 이 Argo Rollouts 릴리스에서 알려진 원인과 다시 움직이게 하는 방법을 알려 줍니다.`,
  'status.manualPause': () => '수동 일시정지 (spec.paused): promote 전까지 아무것도 전환되지 않습니다.',
  'status.argoCD': (p) => `Argo CD가 관리 중 (애플리케이션 "${p.app}"): 여기서 한 변경은 auto-sync로 되돌려질 수 있습니다.`,
  'status.lastChange': (p) => `마지막 변경: ${p.at}에 ${p.by}의 ${p.action}${p.reason ? ` ("${p.reason}")` : ''}`,
  'status.watching': () => '변경을 지켜보는 중 (Ctrl-C로 종료)',
  'phase.message': (p) => koPhaseMessage(p.message),
  'status.reconnecting': (p) => `API 서버 연결이 끊겼습니다 (${koDetail(p.detail)}). 다시 연결하는 중… 아래 화면은 최신이 아닐 수 있습니다`,
  'status.reconnected': () => '다시 연결되었습니다. 화면이 다시 최신입니다',
  'list.empty': (p) => `${p.ns}에 blue-green rollout이 없습니다.`,
  'list.allNamespaces': () => '모든 네임스페이스',
  'list.namespace': (p) => `네임스페이스 "${p.ns}"`,
  'list.h.namespace': () => '네임스페이스',
  'list.h.name': () => '이름',
  'list.h.phase': () => '상태',
  'list.h.active': () => '사용자 접속 (ACTIVE)',
  'list.h.preview': () => '대기 (PREVIEW)',
  'list.h.rev': () => 'REV',
  'list.h.older': () => '구버전 여부',
  'list.h.ready': () => '준비',
  'list.h.age': () => '경과',
  'time.s': (p) => `${p.n}초`,
  'time.m': (p) => `${p.n}분`,
  'time.h': (p) => `${p.n}시간`,
  'time.d': (p) => `${p.n}일`,
  'time.y': (p) => `${p.n}년`,
  'time.join': (p) => `${p.a} ${p.b}`,
  'list.h.message': () => '메시지',
  'list.h.services': () => 'SERVICE',
  'list.yes': () => '예',
  'list.no': () => '아니오',
  'list.unknown': () => '?',
  'list.skippedCanary': (p) => `(다른 전략의 rollout ${p.count}개는 표시하지 않음)`,

  // ---- history / diff ----
  'history.h.revision': () => 'REVISION',
  'history.h.role': () => '역할',
  'history.h.images': () => '이미지',
  'history.h.created': () => '생성',
  'history.h.earlier': () => '예전 REVISION',
  'history.h.pods': () => 'POD',
  'history.h.replicaSet': () => 'REPLICASET',
  'role.active': () => 'active (사용자 접속)',
  'role.preview': () => 'preview',
  'role.stable': () => 'stable',
  'role.scaledDown': () => '축소됨',
  'role.scalingDown': () => '축소 예정',
  'role.old': () => '이전',
  'history.note': () =>
    'revision 번호는 버전이 아닙니다: Argo Rollouts는 예전 template이 다시 올라오면 가장 새 revision 번호를 붙입니다 (이전 REVISION 열 참고).',
  'history.workload': (p) =>
    `pod template은 ${p.kind} ${p.workload}(workloadRef)에서 옵니다: undo는 고른 revision의 template을 그곳에 씁니다.`,
  'diff.workload': (p) => `(pod template 출처: ${p.kind} ${p.workload}, workloadRef)`,
  'diff.none': (p) => `rollout "${p.name}"에 대기 중인 preview가 없어 비교할 것이 없습니다.`,
  'diff.same': () => 'active와 preview의 pod template이 같습니다 (pod-template-hash 제외).',
  'diff.header': (p) => `--- active  ${p.active}\n+++ preview ${p.preview}`,

  // ---- wait ----
  'wait.waiting': (p) => `rollout ${p.name}이(가) ${p.for} 상태가 되기를 기다리는 중 (지금 ${p.now})`,
  'wait.waitingForObject': (p) =>
    `rollout ${p.name}이(가) ${p.for} 상태가 되기를 기다리는 중: 컨트롤러가 ${p.object}을(를) 찾지 못했다고 보고하며, 20초마다 다시 확인합니다`,
  'wait.reached': (p) => `rollout ${p.name}: ${p.for} (${p.now})`,
  'wait.timeout': (p) =>
    `rollout "${p.name}"이(가) ${p.for} 상태가 되기를 ${p.timeout} 동안 기다렸지만 시간이 초과되었습니다. 지금 상태: ${p.now}.`,
  'wait.timeoutMissing': (p) =>
    `rollout "${p.name}"이(가) ${p.for} 상태가 되기를 ${p.timeout} 동안 기다렸지만 시간이 초과되었습니다: 컨트롤러가 여전히 ${p.object}을(를) 찾지 못합니다. 그것을 만들거나(또는 rollout에서 이름을 고친 뒤) 다시 기다리세요.`,
  'wait.neverPauses': (p) =>
    `rollout ${p.name}은(는) promote 대기로 멈추지 않습니다: autoPromotionEnabled가 false가 아니고 autoPromotionSeconds도 없어, 컨트롤러가 preview가 준비되는 즉시 promote합니다 (현재 ${p.now}). --for=promoted 또는 --for=healthy로 기다리거나, spec.strategy.blueGreen.autoPromotionEnabled: false로 설정하세요.`,
  'wait.degraded': (p) =>
    `rollout "${p.name}"은(는) ${p.now} 상태라 조치 없이는 ${p.for} 상태가 되지 않습니다. kubectl bluegreen status ${p.name}을(를) 보세요.`,
  'wait.controllerStalled': (p) =>
    `Argo Rollouts 컨트롤러가 ${p.seconds}초 동안 rollout "${p.name}"에 반응하지 않았습니다 (status 미갱신, observedGeneration 뒤처짐): 컨트롤러가 실행 중인지 확인하세요.`,
  'wait.staleReplicaSet': (p) =>
    `rollout "${p.name}"의 ReplicaSet ${p.replicaSet}이(가) 이미 사용 가능(${p.ready})한데도 Argo Rollouts 컨트롤러가 ${p.seconds}초 동안 아무 조치도 하지 않았습니다.`,
  'wait.timeoutStale': (p) =>
    `rollout "${p.name}"이(가) ${p.for} 상태가 되기를 ${p.timeout} 동안 기다렸지만 시간이 초과되었습니다. 지금 상태: ${p.now} (${p.seconds}초 동안 변화 없음). 그 rollout의 ReplicaSet ${p.replicaSet}은(는) 이미 사용 가능(${p.ready})합니다.`,
  'wait.staleCacheKnown': (p) =>
    `컨트롤러가 실행 중인지 확인하세요. 실행 중이라면: Argo Rollouts ${p.release}은(는) ReplicaSet이 다시 바뀔 때까지 캐시에 그 ReplicaSet의 오래된 사본을 유지할 수 있습니다 (argoproj/argo-rollouts#4044, v1.8.0에서 수정; 업그레이드하면 해결됩니다). ReplicaSet을 바꾸면 컨트롤러가 깨어납니다: kubectl annotate replicaset ${p.replicaSet} -n ${p.namespace} bluegreen.kubectl.io/touched-at="$(date +%s)" --overwrite`,
  'wait.staleCacheMaybe': (p) =>
    `컨트롤러가 실행 중인지 확인하세요. v1.7.x라면 캐시에 ReplicaSet의 오래된 사본을 유지할 수 있으며 (argoproj/argo-rollouts#4044, v1.8.0에서 수정), ReplicaSet을 바꾸면 컨트롤러가 깨어납니다: kubectl annotate replicaset ${p.replicaSet} -n ${p.namespace} bluegreen.kubectl.io/touched-at="$(date +%s)" --overwrite`,
  'wait.controllerCheck': (p) => `컨트롤러(${p.where})가 실행 중인지 확인하고 로그를 보세요.`,
  'wait.for.healthy': () => 'healthy',
  'wait.for.paused': () => 'promote 대기(paused)',
  'wait.for.promoted': () => 'promote 완료',

  // ---- version ----
  'version.controller': (p) => `Argo Rollouts 컨트롤러: ${p.v} (${p.where})`,
  'version.controllerUnknown': (p) => `Argo Rollouts 컨트롤러: 버전을 알 수 없음 (${p.why})`,
  'version.notFound': () => 'app.kubernetes.io/name=argo-rollouts 레이블의 Deployment가 보이지 않습니다',

  // ---- 도움말 ----
  'help.usage': () =>
    'Argo Rollouts blue-green을 안전하게: 사용자가 어떤 버전에 접속 중이고 어떤 버전이 대기 중인지 보여 주고, 버전으로 결과를 설명하는 확인 후에만 실행합니다.',
  'help.status': () => '누가 사용자 트래픽을 받는지(ACTIVE), 무엇이 대기 중인지(PREVIEW) 표시. ROLLOUT이 없으면 blue-green rollout 목록',
  'help.setImage': () => '컨테이너 이미지 변경: 새 preview를 만듭니다 (workloadRef: 그 Deployment에서)',
  'help.promote': () => 'preview를 사용자에게 내보냅니다 (롤백이 아님!)',
  'help.undo': () => '이전 revision의 pod template을 되돌립니다 (workloadRef: 그 Deployment에)',
  'help.abort': () => '사용자를 active 버전에 두고 preview를 축소합니다',
  'help.retry': () => 'abort 뒤에: abort된 preview를 되살림 (promote 전까지 사용자는 그대로)',
  'help.history': () => '모든 revision의 이미지, 생성 시각, 지금 역할',
  'help.diff': () => 'active와 preview pod template의 차이',
  'help.wait': () => 'rollout이 healthy, promote 대기, promote 완료가 될 때까지 대기 (CI용)',
  'help.version': () => '플러그인 버전과 Argo Rollouts 컨트롤러 버전 출력',
  'help.completion': () => '셸 자동완성 스크립트 출력 (bash 또는 zsh)',
  'help.opt.namespace': () => '네임스페이스 (기본: kubeconfig context의 네임스페이스, 없으면 "default")',
  'help.opt.allNamespaces': () => '모든 네임스페이스의 rollout 목록',
  'help.opt.chunkSize': () => '목록을 이 개수씩 나눠 읽음 (kubectl의 --chunk-size); 기본값 0은 한 번의 요청으로, 도착하는 대로 읽음',
  'help.opt.context': () => '사용할 kubeconfig context',
  'help.opt.kubeconfig': () => 'kubeconfig 파일 경로 (기본: KUBECONFIG, 없으면 ~/.kube/config)',
  'help.opt.cluster': () => '사용할 kubeconfig cluster',
  'help.opt.user': () => '사용할 kubeconfig user',
  'help.opt.server': () => 'API 서버 주소',
  'help.opt.token': () => 'API 서버용 Bearer 토큰',
  'help.opt.as': () => '가장(impersonate)할 사용자',
  'help.opt.asGroup': () => '가장할 그룹 (여러 번 가능)',
  'help.opt.certificateAuthority': () => 'CA 인증서 파일 경로',
  'help.opt.clientCertificate': () => '클라이언트 인증서 파일 경로',
  'help.opt.clientKey': () => '클라이언트 키 파일 경로',
  'help.opt.insecure': () => 'API 서버 인증서를 검증하지 않음 (안전하지 않음)',
  'help.opt.tlsServerName': () => 'TLS 검증에 쓸 서버 이름',
  'help.opt.requestTimeout': () => '요청 하나를 기다리는 시간; 목록은 다음 데이터를 기다리는 시간 (예: 30s, 1m, 0 = 제한 없음)',
  'help.opt.output': () => '출력 형식',
  'help.opt.noColor': () => '색 없이 출력 (NO_COLOR, 또는 stdout이 터미널이 아닐 때도)',
  'help.opt.verbose': () => '요청을 stderr에 기록 (인증 정보는 절대 표시하지 않음). -vv는 본문까지. kubectl의 -v=6, -v=8도 됨',
  'help.opt.lang': () => '메시지 언어 (기본: LANG/LC_ALL)',
  'help.opt.watch': () => 'rollout이 바뀔 때마다 다시 그림 (watch API); 터미널에서는 경과 시간이 바뀔 때도 다시 그림',
  'help.opt.yes': () => '확인하지 않고 진행',
  'help.opt.dryRun': () => '가드와 정확한 요청만 보여 주고 변경하지 않음 ("server"는 API 서버에 검증을 요청)',
  'help.opt.reason': () => '이유: annotation과 Event에 기록됩니다',
  'help.opt.force': () => 'preview가 준비되지 않았거나 분석을 통과하지 않았어도 promote',
  'help.opt.full': () => '남은 일시정지와 분석을 건너뜀 (status.promoteFull 설정)',
  'help.opt.toRevision': () => '되돌릴 revision (기본: 직전 revision)',
  'help.opt.includeInit': () => '*=IMAGE일 때 init 컨테이너도 변경',
  'help.opt.wait': () => 'promote 후 사용자가 전환될 때까지 대기 (wait --for=promoted와 같음)',
  'help.opt.for': () => '기다릴 상태',
  'help.opt.timeout': () => '이 시간이 지나면 포기 (종료 코드 5); 0 = 제한 없음',
  'help.opt.stallTimeout': () => '컨트롤러가 변경을 이만큼 반영하지 않으면 실패 (종료 코드 1, 기본 60s)',
  'help.opt.client': () => '플러그인 버전만 출력하고 클러스터에 연결하지 않음',
  'help.ex.setImageWorkloadRef': () => 'spec.workloadRef: 이미지는 참조된 Deployment에 설정되고, 기록은 Rollout에 남습니다',
  'help.ex.undoWorkloadRef': () => 'spec.workloadRef: 그 revision의 template이 참조된 Deployment에 다시 쓰입니다',
  'help.ex.previewOpen': () => '그다음 http://127.0.0.1:8080 을 여세요',
  'help.ex.previewAddress': () => '다른 사람도 접속할 수 있습니다',
  'help.ex.previewJson': () => '열리면 JSON 한 줄, 바뀔 때마다 한 줄',
  'help.examplesTitle': () => '예시:',
  'help.epilog': () =>
    '종료 코드: 0 완료, 1 실패, 2 잘못된 사용, 3 확인되지 않음, 4 rollout 상태상 불가, 5 wait 시간 초과, 130 중단 (SIGTERM이면 143).',

  // ---- preview (kubectl bluegreen preview) ----
  'help.preview': () => '사용자보다 먼저 preview를 확인: 로컬 포트를 preview Service로 포워딩',
  'help.opt.port': () => '열 로컬 포트 (기본: 비어 있는 포트)',
  'help.opt.address': () => '열 로컬 주소 (IP 주소 또는 localhost)',
  'status.next.preview': (p) => `${p.v}을(를) 먼저 로컬 포트로 확인, 사용자에게는 영향 없음`,
  'usage.badPort': (p) => `--port "${p.value}"은(는) 포트 번호가 아닙니다 (1-65535, 비어 있는 포트는 0).`,
  'usage.badChunkSize': (p) => `--chunk-size "${p.value}"은(는) 0 이상의 정수가 아닙니다 (0이면 목록을 한 번에 읽습니다).`,
  'usage.badAddress': (p) => `--address "${p.value}"은(는) IP 주소나 localhost가 아닙니다.`,
  'preview.nothingWaits': (p) =>
    `확인할 preview가 없습니다: rollout "${p.name}"에 대기 중인 preview가 없고, 사용자는 ${p.v}에 접속 중입니다. preview 만들기: kubectl bluegreen set-image ${p.name} CONTAINER=IMAGE -n ${p.ns} (또는 undo로 이전 revision).`,
  'preview.aborted': (p) =>
    `확인할 preview가 없습니다: rollout "${p.name}"은(는) abort되어 preview ${p.v}이(가) 축소되었고, 사용자는 ${p.active}에 머뭅니다. 다시 불러오기: kubectl bluegreen retry ${p.name} -n ${p.ns} (promote 전까지 사용자는 그대로).`,
  'preview.noService': (p) =>
    `rollout "${p.name}"에 preview Service(spec.strategy.blueGreen.previewService)가 없어 포워딩할 곳이 없습니다. Service를 추가하거나, ReplicaSet ${p.rs}의 pod에 kubectl port-forward를 쓰세요.`,
  'preview.serviceMissing': (p) =>
    `rollout "${p.name}"의 preview Service "${p.svc}"이(가) 네임스페이스 "${p.ns}"에 없습니다. 만들면 컨트롤러가 preview를 가리키게 합니다.`,
  'preview.noPort': (p) => `preview Service "${p.svc}"에 포워딩할 TCP 포트가 없습니다.`,
  'preview.listenFailed': (p) => `${p.address} 포트 ${p.port}을(를) 열 수 없습니다 (${p.detail}). 다른 --port나 --address를 고르세요.`,
  'preview.rolloutGone': (p) => `rollout "${p.name}"이(가) 네임스페이스 "${p.ns}"에서 삭제되어 더 이상 확인할 preview가 없습니다.`,
  'preview.forwarding': (p) => `${p.url} → rollout ${p.name}의 preview로 포워딩 중 (네임스페이스 ${p.ns})`,
  'preview.label.serves': () => '버전',
  'preview.label.via': () => '경로',
  'preview.servesOlder': (p) => `${p.v}, 지금 사용자가 접속 중인 ${p.active}보다 이전 버전`,
  'preview.servesOlderUnknown': (p) => `${p.v}, 지금 사용자가 접속 중인 ${p.active}보다 이전 버전인지 알 수 없음:`,
  'preview.servesNotOlder': (p) => `${p.v}, 사용자는 ${p.active}에 접속 중`,
  'preview.servesActive': (p) => `${p.v}, 지금 사용자가 접속 중인 버전 (대기 중인 preview 없음)`,
  'preview.servesUnknown': (p) => `pod-template hash ${p.hash}인 pod (이 hash의 ReplicaSet이 rollout에 없음)`,
  'preview.via': (p) => `Service ${p.svc} 포트 ${p.port} → pod ${p.pod} 포트 ${p.podPort}`,
  'preview.viaWaiting': (p) => `Service ${p.svc} 포트 ${p.port} → 준비된 pod가 아직 없음, 연결은 준비될 때까지 대기`,
  'preview.hint': () => `이 포트로만 preview에 닿고, 사용자에게는 영향이 없습니다. Ctrl-C로 종료.`,
  'preview.changed': (p) => `preview가 바뀌었습니다: ${p.from} → ${p.to}. 이전 pod로의 연결은 닫고, 새 연결은 새 pod로 갑니다.`,
  'preview.nothingWaitsNow': (p) =>
    `대기 중인 preview가 없어졌습니다: 사용자는 ${p.v}에 접속 중입니다. 포트는 계속 preview Service로 포워딩하며, 이제 같은 버전을 보여 줍니다.`,
  'preview.abortedNow': (p) => `preview가 abort되었습니다: pod가 축소되는 중이고, 사용자는 ${p.active}에 머뭅니다.`,
  'preview.podReady': (p) => `pod ${p.pod} 준비 완료: 연결은 이 pod로 갑니다.`,
  'preview.podChanged': (p) => `pod ${p.from}이(가) 사라졌거나 준비되지 않았습니다: 연결은 이제 pod ${p.to}(으)로 갑니다.`,
  'preview.noPod': (p) =>
    `pod ${p.pod}이(가) 사라졌거나 준비되지 않았고, 준비된 다른 preview pod가 없습니다: 연결은 준비될 때까지 대기합니다.`,
  'preview.noPodTimeout': (p) => `연결을 닫았습니다: ${p.seconds}초 안에 준비된 preview pod가 없었습니다.`,
  'preview.noNamedPort': (p) => `연결을 닫았습니다: pod ${p.pod}에 이름이 "${p.port}"인 컨테이너 포트가 없습니다.`,
  'preview.connection': (p) => `pod ${p.pod} 포트 ${p.port}(으)로 연결`,
  'preview.connFailed': (p) => `pod ${p.pod}로의 연결 실패: ${p.detail}`,
  'preview.podGone': (p) => `pod ${p.pod}이(가) 더 이상 없습니다`,
  'preview.podAnswered': (p) => `pod ${p.pod}의 kubelet 응답: ${p.message}`,
  'preview.handshake': (p) => `${koDetail(p.detail)} (API 서버와의 사이에 있는 프록시가 WebSocket 업그레이드를 전달하지 않을 수 있습니다)`,
  'preview.serviceGone': (p) => `preview Service ${p.svc}이(가) 사라졌습니다: 다시 생길 때까지 연결은 실패합니다.`,
  'preview.reconnecting': (p) =>
    `API 서버 연결이 끊겼습니다 (${koDetail(p.detail)}). 다시 연결하는 중… (포워딩된 연결도 API 서버를 거칩니다)`,
  'preview.reconnected': () => `API 서버에 다시 연결되었습니다.`,
  'preview.stopped': (p) => `${p.url} 포워딩을 멈췄습니다.`,

  // ---- 전송: kubeconfig 검사, 프록시, 갱신한 인증 정보 (kube/kubeconfig.ts, http.ts, auth.ts) ----
  'err.credentialsRejected': (p) =>
    `API 서버(${p.server})가 ${
      p.kind === 'exec'
        ? `인증 플러그인 "${p.name}"에서`
        : p.kind === 'tokenFile'
          ? `토큰 파일 ${p.name}에서`
          : `auth-provider "${p.name}"에서`
    } 새로 받은 뒤에도 사용자 "${p.user}"의 인증 정보를 거부했습니다 (401 Unauthorized): 인증 정보가 만료되었거나 거부되었습니다. 다시 로그인하고(또는 관리자에게 폐기되었는지 확인하고) 재시도하세요.`,
  'err.execInstallHint': (p) => `설치 안내: ${p.hint}`,
  'err.insecureWithCa': (p) =>
    `kubeconfig의 cluster "${p.cluster}"에 인증 기관(CA)과 insecure-skip-tls-verify가 함께 설정되어 있습니다. kubectl도 이를 거부합니다("specifying a root certificates file with the insecure flag is not allowed"). 둘 중 하나를 지우세요.`,
  'err.basicAuth': (p) =>
    `kubeconfig의 user "${p.user}"은(는) 사용자 이름과 비밀번호(basic 인증)를 씁니다. Kubernetes API 서버는 이를 더 이상 받지 않으므로(1.19에서 제거) 비밀번호를 보내지 않았습니다. 토큰, 클라이언트 인증서 또는 인증 플러그인을 쓰세요.`,
  'err.kubeconfigField': (p) =>
    `kubeconfig의 ${p.kind} "${p.name}"에서 "${p.field}"의 형식이 잘못되었습니다: ${
      (
        {
          string: '문자열',
          boolean: 'true 또는 false',
          stringList: '문자열 목록',
          stringMap: '문자열 맵',
          stringListMap: '문자열 목록의 맵',
          map: '맵',
          envList: '{name, value} 목록',
        } as Record<string, string>
      )[p.expected] ?? p.expected
    }이어야 합니다. kubectl도 이를 거부합니다.`,
  'err.execConfig': (p) =>
    `kubeconfig의 user "${p.user}"의 exec 인증 플러그인을 쓸 수 없습니다: ${
      (
        {
          noCommand: '실행할 명령(command)이 없습니다',
          noApiVersion: 'apiVersion이 없습니다 (client.authentication.k8s.io/v1 또는 v1beta1)',
          apiVersion: `apiVersion "${p.value}"은(는) 지원하지 않습니다 (client.authentication.k8s.io/v1 또는 v1beta1)`,
          noInteractiveMode: 'apiVersion client.authentication.k8s.io/v1에서는 interactiveMode(Never, IfAvailable, Always)를 정해야 합니다',
          interactiveMode: `interactiveMode "${p.value}"은(는) Never, IfAvailable, Always 중 하나가 아닙니다`,
          envName: 'env 항목 하나에 name이 없습니다',
          withAuthProvider: '같은 user에 auth-provider도 있습니다. 하나만 쓸 수 있습니다',
        } as Record<string, string>
      )[p.problem] ?? p.problem
    }.`,
  'err.impersonateWithoutUser': (p) =>
    `user "${p.user}": uid, 그룹, user-extra를 가장하려면 가장할 사용자(as 또는 --as)도 있어야 합니다. kubectl도 이를 거부합니다.`,
  'err.certWithoutKey': (p) =>
    `kubeconfig의 user "${p.user}"에 클라이언트 인증서는 있지만 클라이언트 키(client-key 또는 client-key-data)가 없습니다.`,
  'err.tokenControl': (p) => `${koDetail(p.from)}의 토큰에 줄바꿈이나 다른 제어 문자가 있어 보낼 수 없습니다. 토큰을 고치세요.`,
  'err.continueLoop': () =>
    `페이지 단위로 나열하는 중 API 서버가 같은 continue 토큰을 두 번 주었습니다. 끝나지 않으므로 멈춥니다: API 서버(또는 앞의 프록시)를 확인하거나 한 번에 나열하세요 (--chunk-size=0).`,
  'err.badProxyUrl': (p) =>
    `kubeconfig의 cluster "${p.cluster}"의 proxy-url "${p.url}"이(가) 잘못되었습니다: ${
      p.reason === 'scheme' ? `스킴은 ${p.schemes} 중 하나여야 합니다` : p.reason === 'host' ? '호스트가 없습니다' : 'URL이 아닙니다'
    }.`,
  'err.proxyAuth': (p) =>
    `${p.server}(으)로 가는 길의 프록시 ${p.proxy}(${p.source}에서 설정)가 ${
      p.withCredentials === 'yes' ? 'URL에 든 사용자와 비밀번호를 거부했습니다' : '인증을 요구하는데 URL에 사용자와 비밀번호가 없습니다'
    } (${p.status === '407' ? '407 Proxy Authentication Required' : `${p.status} Unauthorized`}). 프록시 인증 정보를 URL에 넣거나(http://USER:PASSWORD@host:port) 확인하세요.`,
  'err.proxyRefused': (p) =>
    `프록시 ${p.proxy}(${p.source}에서 설정)가 ${p.server}로의 연결을 거부했습니다 (${p.status} Forbidden). 프록시 관리자에게 API 서버를 허용해 달라고 하거나 NO_PROXY로 제외하세요.`,
  'err.tlsMaterial': (p) =>
    `kubeconfig의 클라이언트 인증서, 키 또는 인증 기관(CA)을 쓸 수 없습니다 (${p.detail}). client-certificate, client-key, certificate-authority(또는 -data 형식)를 확인하세요.`,
  'help.opt.asUid': () => '가장할 UID (--as와 함께)',
  'help.opt.disableCompression': () => 'API 서버에 압축된 응답을 요청하지 않음',
};
