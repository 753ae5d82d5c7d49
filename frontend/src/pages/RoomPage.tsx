// /rooms/:roomId — the video room of a consultation, ward round, lecture or ad hoc call.
// The hub decides who may enter and as what (host, participant, viewer); this page asks it for a
// token when the user presses Join, then talks to the SFU through src/rtc.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, App, Badge, Button, Card, Popover, Result, Segmented, Space, Tabs, Typography } from 'antd';
import {
  AudioMutedOutlined,
  AudioOutlined,
  DesktopOutlined,
  LinkOutlined,
  PhoneOutlined,
  SettingOutlined,
  VideoCameraOutlined,
} from '@ant-design/icons';
import { useI18n } from '../i18n/I18nProvider';
import { errorText } from '../utils/errorText';
import { joinRoom } from '../rtc/api';
import { RoomSession, type SessionSnapshot } from '../rtc/session';
import { featuredSession, videoTiles, type RoomState } from '../rtc/state';
import {
  ChatPanel,
  DevicePickers,
  MediaProblemAlert,
  NetIndicator,
  ParticipantList,
  RemoteAudio,
  RoleTag,
  SpeakerView,
  ToolButton,
  VideoGrid,
} from '../rtc/RoomView';
import type { ParticipantInfo } from '../rtc/protocol';
import { SignalingError } from '../rtc/client';

export function RoomPage() {
  const { roomId = '' } = useParams();
  // A new room is a new visit: nothing carries over.
  return <RoomVisit key={roomId} roomId={roomId} />;
}

const noSubscribe = () => () => undefined;
const idle = (): SessionSnapshot | null => null;

function RoomVisit({ roomId }: { roomId: string }) {
  const { t } = useI18n();
  const [session, setSession] = useState<RoomSession | null>(null);
  const snap = useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getSnapshot ?? idle);

  // Leaving the page leaves the room.
  useEffect(() => () => session?.dispose(), [session]);

  const join = () => {
    const s = new RoomSession(roomId, {
      join: joinRoom,
      pageUrl: window.location.href,
      unnamedDevice: (kind, n) => t(kind === 'audioinput' ? 'room.device.unnamedMic' : 'room.device.unnamedCamera', { n }),
      log: (msg, detail) => console.debug('[rtc]', msg, detail ?? ''),
    });
    setSession(s);
    void s.start();
  };

  const phase = snap?.phase ?? 'idle';
  return (
    <div data-testid="room-page" data-phase={phase} data-room-id={roomId}>
      {phase === 'live' && snap && session ? (
        <LiveRoom session={session} snap={snap} />
      ) : phase === 'left' || phase === 'dropped' ? (
        <Result
          status={phase === 'left' ? 'info' : 'warning'}
          title={phase === 'left' ? t('room.left') : t('room.dropped')}
          subTitle={phase === 'dropped' && snap?.client?.lastError ? snap.client.lastError.message : undefined}
          data-testid={phase === 'left' ? 'room-left' : 'room-dropped'}
          extra={
            <Space>
              <Button type="primary" onClick={join} data-testid="room-rejoin">
                {t('room.rejoin')}
              </Button>
              <Link to="/">{t('common.backHome')}</Link>
            </Space>
          }
        />
      ) : (
        <Lobby phase={phase} failure={snap?.failure} onJoin={join} />
      )}
    </div>
  );
}

function failureText(e: unknown, t: ReturnType<typeof useI18n>['t']): string {
  if (e instanceof SignalingError) {
    if (e.code === 'unauthorized') return t('room.error.token');
    if (e.code === 'timeout' || e.code === 'closed') return t('room.error.unreachable');
  }
  return errorText(e, t('common.failed'));
}

function Lobby({ phase, failure, onJoin }: { phase: string; failure: unknown; onJoin: () => void }) {
  const { t } = useI18n();
  return (
    <Card style={{ maxWidth: 560, margin: '40px auto' }} data-testid="room-lobby">
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        <VideoCameraOutlined /> {t('room.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('room.lobbyHint')}</Typography.Paragraph>
      {phase === 'failed' ? (
        <Alert type="error" showIcon data-testid="room-join-failed" title={t('room.joinFailed')} description={failureText(failure, t)} style={{ marginBottom: 16 }} />
      ) : null}
      <Space>
        <Button type="primary" size="large" icon={<PhoneOutlined />} loading={phase === 'joining'} onClick={onJoin} data-testid="room-join">
          {phase === 'joining' ? t('room.joining') : phase === 'failed' ? t('room.retryJoin') : t('room.join')}
        </Button>
        <Link to="/">{t('common.backHome')}</Link>
      </Space>
    </Card>
  );
}

type Layout = 'grid' | 'speaker';

function LiveRoom({ session, snap }: { session: RoomSession; snap: SessionSnapshot }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [layout, setLayout] = useState<Layout>('grid');
  const [pinned, setPinned] = useState<string | null>(null);
  const [tab, setTab] = useState<'people' | 'chat'>('people');
  const [seenChat, setSeenChat] = useState(0);
  const [retrying, setRetrying] = useState(false);
  const [errorShown, setErrorShown] = useState<object | null>(null);

  const client = snap.client!;
  const room: RoomState = client.room;
  const media = snap.media;
  const info = snap.info!;
  const viewer = info.role === 'viewer';
  const self: ParticipantInfo | undefined = room.participants.find((p) => p.sessionId === room.sessionId);

  const lastChat = room.chat.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (tab === 'chat') setSeenChat(lastChat);
  }, [tab, lastChat]);

  const tiles = useMemo(
    () =>
      videoTiles<MediaStreamTrack>(room, (p, source, isSelf) => {
        if (isSelf) return source === 'camera' ? media.camera : media.screen;
        const info = Object.values(room.tracks).find((x) => x.sessionId === p.sessionId && x.kind === 'video' && x.source === source);
        return (info && client.remote[info.trackId]) ?? null;
      }),
    [room, media.camera, media.screen, client.remote],
  );
  const audio = Object.entries(client.remote).filter(([trackId, track]) => (room.tracks[trackId]?.kind ?? track.kind) === 'audio');
  const featured = featuredSession(room, pinned);
  const pick = (sessionId: string) => {
    setPinned(sessionId);
    setLayout('speaker');
  };

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      message.success(t('common.copied'));
    } catch {
      message.info(window.location.href);
    }
  };

  const retry = async () => {
    setRetrying(true);
    try {
      await session.retryMedia();
    } finally {
      setRetrying(false);
    }
  };

  const unread = Math.max(0, lastChat - seenChat);
  const lastError = client.lastError;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small">
        <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 12 }}>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="room-title">
            {info.title || t('room.title')}
          </Typography.Title>
          <span data-testid="room-role">
            <RoleTag role={info.role} />
          </span>
          <NetIndicator net={snap.net} />
          <span style={{ flex: 1 }} />
          <Button icon={<LinkOutlined />} onClick={() => void copyLink()} data-testid="room-copy-link">
            {t('room.copyLink')}
          </Button>
          <Button danger type="primary" icon={<PhoneOutlined rotate={135} />} onClick={() => session.leave()} data-testid="room-leave">
            {t('room.leave')}
          </Button>
        </div>
      </Card>

      {viewer ? <Alert type="info" showIcon title={t('room.viewerHint')} data-testid="room-viewer-hint" /> : null}
      <MediaProblemAlert mic={media.micProblem} camera={media.cameraProblem} onRetry={() => void retry()} retrying={retrying} />
      {media.screenProblem ? <Alert type="warning" showIcon closable title={t('room.screen.failed')} data-testid="room-screen-problem" /> : null}
      {lastError && errorShown !== lastError ? (
        <Alert
          type="warning"
          showIcon
          closable={{ onClose: () => setErrorShown(lastError) }}
          title={t('room.error.signaling', { message: lastError.message })}
          data-testid="room-error"
          data-code={lastError.code}
        />
      ) : null}

      <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <div style={{ flex: '1 1 560px', minWidth: 0 }}>
          <Card size="small">
            <Space orientation="vertical" size="small" style={{ width: '100%' }}>
              <Segmented<Layout>
                data-testid="room-layout"
                value={layout}
                onChange={(v) => {
                  setLayout(v);
                  if (v === 'grid') setPinned(null);
                }}
                options={[
                  { value: 'grid', label: <span data-testid="room-layout-grid">{t('room.layout.grid')}</span> },
                  { value: 'speaker', label: <span data-testid="room-layout-speaker">{t('room.layout.speaker')}</span> },
                ]}
              />
              {room.participants.length <= 1 ? (
                <Typography.Text type="secondary" data-testid="room-waiting">
                  {t('room.waiting')}
                </Typography.Text>
              ) : null}
              {layout === 'grid' ? (
                <VideoGrid tiles={tiles} room={room} onPick={pick} />
              ) : (
                <SpeakerView tiles={tiles} room={room} featured={featured} onPick={setPinned} />
              )}
              <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, justifyContent: 'center', paddingTop: 8 }} data-testid="room-controls">
                {!viewer ? (
                  <>
                    <ToolButton
                      testId="room-mic-toggle"
                      on={media.micOn}
                      icon={media.micOn ? <AudioOutlined /> : <AudioMutedOutlined />}
                      label={media.micOn ? t('room.mic.mute') : t('room.mic.unmute')}
                      onClick={() => void session.toggleMic()}
                      disabled={media.busy}
                    />
                    <ToolButton
                      testId="room-camera-toggle"
                      on={media.camera !== null}
                      icon={<VideoCameraOutlined />}
                      label={media.camera ? t('room.camera.off') : t('room.camera.on')}
                      onClick={() => void session.toggleCamera()}
                      disabled={media.busy}
                    />
                    <ToolButton
                      testId="room-screen-toggle"
                      on={media.screen !== null}
                      icon={<DesktopOutlined />}
                      label={media.screen ? t('room.screen.stop') : t('room.screen.start')}
                      onClick={() => void session.toggleScreen()}
                    />
                  </>
                ) : null}
                <ToolButton
                  testId="room-hand-toggle"
                  on={Boolean(self?.handRaised)}
                  icon={<span aria-hidden>✋</span>}
                  label={self?.handRaised ? t('room.hand.lower') : t('room.hand.raise')}
                  onClick={() => session.raiseHand(!self?.handRaised)}
                />
                {!viewer ? (
                  <Popover
                    trigger="click"
                    placement="top"
                    title={t('room.devices')}
                    onOpenChange={(open) => {
                      if (open) void session.refreshDevices();
                    }}
                    content={
                      <DevicePickers
                        devices={snap.devices}
                        selected={snap.deviceIds}
                        disabled={media.busy}
                        onChoose={(kind, id) => void session.chooseDevice(kind, id)}
                      />
                    }
                  >
                    <Button icon={<SettingOutlined />} data-testid="room-devices">
                      {t('room.devices')}
                    </Button>
                  </Popover>
                ) : null}
              </div>
            </Space>
          </Card>
        </div>
        <Card size="small" style={{ flex: '0 1 340px', minWidth: 280 }}>
          <Tabs
            activeKey={tab}
            onChange={(k) => setTab(k as 'people' | 'chat')}
            items={[
              {
                key: 'people',
                label: <span data-testid="room-tab-people">{t('room.participants', { n: room.participants.length })}</span>,
                children: <ParticipantList room={room} />,
              },
              {
                key: 'chat',
                label: (
                  <Badge count={tab === 'chat' ? 0 : unread} size="small" offset={[8, 0]}>
                    <span data-testid="room-tab-chat" data-unread={tab === 'chat' ? 0 : unread}>
                      {t('room.chat')}
                    </span>
                  </Badge>
                ),
                children: <ChatPanel lines={room.chat} selfSession={room.sessionId} onSend={(text) => session.chat(text)} />,
              },
            ]}
          />
        </Card>
      </div>
      <div style={{ display: 'none' }}>
        {audio.map(([trackId, track]) => (
          <RemoteAudio key={trackId} track={track} />
        ))}
      </div>
    </Space>
  );
}
