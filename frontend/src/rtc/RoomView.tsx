// The pieces of the room page: video tiles (grid and speaker view), received audio, the
// participant list, the chat, the network indicator, the device pickers and the message shown
// when the camera or microphone cannot be used.
import { useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { Alert, Button, Empty, Input, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { AudioMutedOutlined, AudioOutlined, DesktopOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n/I18nProvider';
import type { DictKey } from '../i18n/zh';
import type { ParticipantInfo, Role } from './protocol';
import { mediaState, tracksOf, videoPaused, type ChatLine, type MediaState, type RoomState, type Tile } from './state';
import { mainProblem, type DeviceLists, type MediaProblem } from './media';
import type { NetQuality } from './stats';

// ---- media elements ----

/** A <video> showing one track; one's own camera is mirrored and always muted. */
export function VideoView({ track, mirror, fit = 'cover' }: { track: MediaStreamTrack; mirror?: boolean; fit?: 'cover' | 'contain' }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => undefined); // autoplay of muted video is always allowed; ignore aborted plays
    return () => {
      el.srcObject = null;
    };
  }, [track]);
  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      muted
      data-testid="video-element"
      style={{
        width: '100%',
        height: '100%',
        objectFit: fit,
        background: '#111',
        transform: mirror ? 'scaleX(-1)' : undefined,
        display: 'block',
      }}
    />
  );
}

/** Plays one received audio track (kept apart from the videos so layout changes never cut the sound). */
export function RemoteAudio({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    el.play().catch(() => undefined);
    return () => {
      el.srcObject = null;
    };
  }, [track]);
  return <audio ref={ref} autoPlay data-testid="remote-audio" />;
}

// ---- tiles ----

const roleColor: Record<Role, string> = { host: 'gold', participant: 'cyan', viewer: 'default' };

export function RoleTag({ role }: { role: Role }) {
  const { t } = useI18n();
  return (
    <Tag color={roleColor[role]} data-testid="role-tag" data-role={role} style={{ marginInlineEnd: 0 }}>
      {t(`room.role.${role}` as DictKey)}
    </Tag>
  );
}

function initials(name: string): string {
  const s = name.replace(/[（(].*$/, '').trim();
  return s ? Array.from(s)[0]! : '?';
}

export function VideoTile({
  tile,
  mic,
  speaking,
  paused,
  onClick,
  style,
}: {
  tile: Tile<MediaStreamTrack>;
  mic: MediaState;
  speaking: boolean;
  /** the SFU paused this video for our weak downlink */
  paused?: boolean;
  onClick?: () => void;
  style?: CSSProperties;
}) {
  const { t } = useI18n();
  const p = tile.participant;
  const name = tile.self ? t('room.you', { name: p.name }) : p.name;
  const label = tile.source === 'screen' ? t('room.screenOf', { name }) : name;
  return (
    <div
      data-testid="video-tile"
      data-session-id={p.sessionId}
      data-source={tile.source}
      data-self={tile.self}
      data-video={tile.video ? 'on' : 'off'}
      data-speaking={speaking}
      onClick={onClick}
      style={{
        position: 'relative',
        aspectRatio: '16 / 9',
        background: '#1f2a2b',
        borderRadius: 8,
        overflow: 'hidden',
        outline: speaking ? '3px solid #52c41a' : undefined,
        cursor: onClick ? 'pointer' : undefined,
        ...style,
      }}
    >
      {tile.video ? (
        <VideoView track={tile.video} mirror={tile.self && tile.source === 'camera'} fit={tile.source === 'screen' ? 'contain' : 'cover'} />
      ) : (
        <div style={{ position: 'absolute', inset: 0, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
          <div
            style={{
              width: 64,
              height: 64,
              borderRadius: '50%',
              background: '#2f6f73',
              color: '#fff',
              fontSize: 28,
              display: 'flex',
              alignItems: 'center',
              justifyContent: 'center',
            }}
          >
            {initials(p.name)}
          </div>
        </div>
      )}
      {paused ? (
        <div
          data-testid="tile-weak-link"
          style={{ position: 'absolute', left: 8, top: 8, right: 8, color: '#fff', textShadow: '0 1px 2px #000', fontSize: 12 }}
        >
          {t('room.videoPausedWeakLink')}
        </div>
      ) : null}
      <div
        style={{
          position: 'absolute',
          left: 8,
          bottom: 8,
          right: 8,
          display: 'flex',
          gap: 6,
          alignItems: 'center',
          color: '#fff',
          textShadow: '0 1px 2px #000',
          fontSize: 13,
        }}
      >
        {tile.source === 'screen' ? <DesktopOutlined /> : mic === 'on' ? <AudioOutlined /> : <AudioMutedOutlined style={{ color: '#ff7875' }} />}
        <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{label}</span>
        {p.handRaised && tile.source === 'camera' ? (
          <span role="img" aria-label={t('room.handRaised')} data-testid="tile-hand">
            ✋
          </span>
        ) : null}
      </div>
    </div>
  );
}

export function VideoGrid({
  tiles,
  room,
  onPick,
}: {
  tiles: Tile<MediaStreamTrack>[];
  room: RoomState;
  onPick: (sessionId: string) => void;
}) {
  const cols = tiles.length <= 1 ? 1 : tiles.length <= 4 ? 2 : tiles.length <= 9 ? 3 : 4;
  return (
    <div
      data-testid="room-grid"
      style={{ display: 'grid', gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gap: 8, alignContent: 'start' }}
    >
      {tiles.map((tile) => (
        <VideoTile
          key={tile.key}
          tile={tile}
          mic={mediaState(tracksOf(room, tile.participant.sessionId).mic)}
          speaking={tile.source === 'camera' && room.activeSpeaker === tile.participant.sessionId}
          paused={videoPaused(room, tile.participant.sessionId, tile.source)}
          onClick={() => onPick(tile.participant.sessionId)}
        />
      ))}
    </div>
  );
}

/** The speaker view: the featured tile large, the others in a strip below. */
export function SpeakerView({
  tiles,
  room,
  featured,
  onPick,
}: {
  tiles: Tile<MediaStreamTrack>[];
  room: RoomState;
  featured: string | null;
  onPick: (sessionId: string) => void;
}) {
  // A featured participant who shares a screen is shown by the screen.
  const main =
    tiles.find((x) => x.participant.sessionId === featured && x.source === 'screen') ??
    tiles.find((x) => x.participant.sessionId === featured) ??
    tiles[0];
  const rest = tiles.filter((x) => x !== main);
  const micOf = (id: string) => mediaState(tracksOf(room, id).mic);
  return (
    <div data-testid="room-speaker-view" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      {main ? (
        // As wide as fits in about 60 % of the window's height, so the controls stay in view on a tablet.
        <div data-testid="room-featured" data-session-id={main.participant.sessionId} style={{ width: 'min(100%, calc(60vh * 16 / 9))', margin: '0 auto' }}>
          <VideoTile tile={main} mic={micOf(main.participant.sessionId)} speaking={false} paused={videoPaused(room, main.participant.sessionId, main.source)} />
        </div>
      ) : null}
      {rest.length ? (
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))', gap: 8 }}>
          {rest.map((tile) => (
            <VideoTile
              key={tile.key}
              tile={tile}
              mic={micOf(tile.participant.sessionId)}
              speaking={tile.source === 'camera' && room.activeSpeaker === tile.participant.sessionId}
              paused={videoPaused(room, tile.participant.sessionId, tile.source)}
              onClick={() => onPick(tile.participant.sessionId)}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}

// ---- side panel ----

const mediaIcon = (kind: 'mic' | 'camera', s: MediaState) => {
  const off = s !== 'on';
  const color = off ? '#bfbfbf' : '#2f6f73';
  if (kind === 'mic') return off ? <AudioMutedOutlined style={{ color }} /> : <AudioOutlined style={{ color }} />;
  return <VideoCameraOutlined style={{ color, opacity: off ? 0.5 : 1 }} />;
};

export function ParticipantList({ room }: { room: RoomState }) {
  const { t } = useI18n();
  const stateLabel = (kind: 'mic' | 'camera', s: MediaState) =>
    kind === 'mic' ? (s === 'on' ? t('room.micOn') : s === 'muted' ? t('room.micMuted') : t('room.micOff')) : s === 'on' ? t('room.cameraOn') : t('room.cameraOff');
  return (
    <div data-testid="room-participants">
      {room.participants.map((p: ParticipantInfo) => {
        const tr = tracksOf(room, p.sessionId);
        const mic = mediaState(tr.mic);
        const cam = mediaState(tr.camera);
        const self = p.sessionId === room.sessionId;
        return (
          <div
            key={p.sessionId}
            data-testid="participant-item"
            data-session-id={p.sessionId}
            data-user-id={p.userId}
            data-role={p.role}
            data-mic={mic}
            data-camera={cam}
            data-hand={p.handRaised}
            data-screen={Boolean(tr.screen)}
            data-self={self}
            style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '6px 0', borderBottom: '1px solid #f0f0f0' }}
          >
            <span style={{ flex: 1, minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
              {self ? t('room.you', { name: p.name }) : p.name}
            </span>
            {p.handRaised ? (
              <Tooltip title={t('room.handRaised')}>
                <span role="img" aria-label={t('room.handRaised')}>
                  ✋
                </span>
              </Tooltip>
            ) : null}
            {tr.screen ? (
              <Tooltip title={t('room.sharing')}>
                <DesktopOutlined style={{ color: '#2f6f73' }} />
              </Tooltip>
            ) : null}
            {p.role !== 'viewer' ? (
              <>
                <Tooltip title={stateLabel('mic', mic)}>{mediaIcon('mic', mic)}</Tooltip>
                <Tooltip title={stateLabel('camera', cam)}>{mediaIcon('camera', cam)}</Tooltip>
              </>
            ) : null}
            <RoleTag role={p.role} />
          </div>
        );
      })}
    </div>
  );
}

export function ChatPanel({ lines, selfSession, onSend, disabled }: { lines: ChatLine[]; selfSession: string; onSend: (text: string) => void; disabled?: boolean }) {
  const { t, lang } = useI18n();
  const [text, setText] = useState('');
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [lines.length]);
  const fmt = useMemo(() => new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' }), [lang]);
  const send = () => {
    const v = text.trim();
    if (!v) return;
    onSend(v);
    setText('');
  };
  return (
    <div data-testid="room-chat" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <div style={{ maxHeight: 360, minHeight: 160, overflowY: 'auto' }} data-testid="room-chat-lines">
        {lines.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('room.chat.empty')} />
        ) : (
          lines.map((l) => (
            <div key={l.key} data-testid="chat-line" data-self={l.sessionId === selfSession} style={{ padding: '4px 0' }}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {l.name} · {fmt.format(new Date(l.sentAt))}
              </Typography.Text>
              <div data-testid="chat-text" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {l.text}
              </div>
            </div>
          ))
        )}
        <div ref={end} />
      </div>
      <Space.Compact style={{ width: '100%' }}>
        <Input
          data-testid="room-chat-input"
          value={text}
          maxLength={2000}
          disabled={disabled}
          placeholder={t('room.chat.placeholder')}
          onChange={(e) => setText(e.target.value)}
          onPressEnter={send}
        />
        <Button type="primary" data-testid="room-chat-send" onClick={send} disabled={disabled || !text.trim()}>
          {t('room.chat.send')}
        </Button>
      </Space.Compact>
    </div>
  );
}

// ---- indicators and settings ----

const qualityColor: Record<NetQuality['quality'], string> = {
  good: '#52c41a',
  fair: '#faad14',
  poor: '#ff4d4f',
  unknown: '#bfbfbf',
};

export function NetIndicator({ net }: { net: NetQuality }) {
  const { t } = useI18n();
  const rtt = net.rttMs === null ? '—' : `${Math.round(net.rttMs)} ms`;
  const loss = net.loss === null ? '—' : `${(net.loss * 100).toFixed(1)}%`;
  const bars = { good: 3, fair: 2, poor: 1, unknown: 0 }[net.quality];
  return (
    <Tooltip title={t('room.net.detail', { rtt, loss })}>
      <span
        data-testid="room-net"
        data-quality={net.quality}
        data-rtt={net.rttMs === null ? '' : Math.round(net.rttMs)}
        data-loss={net.loss === null ? '' : net.loss.toFixed(4)}
        style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}
      >
        <span style={{ display: 'inline-flex', alignItems: 'flex-end', gap: 2, height: 14 }} aria-hidden>
          {[1, 2, 3].map((i) => (
            <span key={i} style={{ width: 4, height: 4 + i * 3, background: i <= bars ? qualityColor[net.quality] : '#d9d9d9', borderRadius: 1 }} />
          ))}
        </span>
        <span>{t(`room.net.${net.quality}` as DictKey)}</span>
      </span>
    </Tooltip>
  );
}

export function DevicePickers({
  devices,
  selected,
  onChoose,
  disabled,
}: {
  devices: DeviceLists;
  selected: { audioinput: string | null; videoinput: string | null };
  onChoose: (kind: 'audioinput' | 'videoinput', deviceId: string) => void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const row = (kind: 'audioinput' | 'videoinput', label: string) => (
    <div>
      <Typography.Text type="secondary">{label}</Typography.Text>
      <Select
        data-testid={`room-device-${kind}`}
        style={{ width: '100%' }}
        disabled={disabled || devices[kind].length === 0}
        value={selected[kind] && devices[kind].some((d) => d.deviceId === selected[kind]) ? selected[kind] : undefined}
        placeholder={t('room.device.none')}
        options={devices[kind].map((d) => ({ value: d.deviceId, label: d.label }))}
        onChange={(v: string) => onChoose(kind, v)}
      />
    </div>
  );
  return (
    <Space orientation="vertical" style={{ width: 300 }} data-testid="room-devices-panel">
      {row('audioinput', t('room.device.mic'))}
      {row('videoinput', t('room.device.camera'))}
    </Space>
  );
}

const problemKeys: Record<MediaProblem, [DictKey, DictKey]> = {
  denied: ['room.media.denied', 'room.media.deniedHelp'],
  notFound: ['room.media.notFound', 'room.media.notFoundHelp'],
  busy: ['room.media.busy', 'room.media.busyHelp'],
  unsupported: ['room.media.unsupported', 'room.media.unsupportedHelp'],
  other: ['room.media.other', 'room.media.otherHelp'],
};

export function MediaProblemAlert({
  mic,
  camera,
  onRetry,
  retrying,
}: {
  mic: MediaProblem | null;
  camera: MediaProblem | null;
  onRetry: () => void;
  retrying: boolean;
}) {
  const { t } = useI18n();
  const p = mainProblem(mic, camera);
  if (!p) return null;
  const which = [mic ? t('room.device.mic') : null, camera ? t('room.device.camera') : null].filter(Boolean).join(t('common.listSeparator'));
  const [title, help] = problemKeys[p];
  return (
    <Alert
      type={p === 'denied' ? 'error' : 'warning'}
      showIcon
      data-testid="room-media-problem"
      data-problem={p}
      data-mic={mic ?? ''}
      data-camera={camera ?? ''}
      title={t(title)}
      description={
        <div>
          <div>{t(help)}</div>
          <div>{t('room.media.which', { devices: which })}</div>
        </div>
      }
      action={
        <Button size="small" onClick={onRetry} loading={retrying} data-testid="room-media-retry">
          {t('room.media.retry')}
        </Button>
      }
      style={{ marginBottom: 12 }}
    />
  );
}

/** A toolbar button with a tooltip and a state for tests. */
export function ToolButton({
  testId,
  on,
  danger,
  icon,
  label,
  onClick,
  disabled,
  loading,
  extra,
}: {
  testId: string;
  on: boolean;
  danger?: boolean;
  icon: ReactNode;
  label: string;
  onClick: () => void;
  disabled?: boolean;
  loading?: boolean;
  extra?: Record<string, string>;
}) {
  return (
    <Tooltip title={label}>
      <Button
        data-testid={testId}
        data-on={on}
        {...extra}
        aria-label={label}
        aria-pressed={on}
        type={on ? 'primary' : 'default'}
        danger={danger}
        icon={icon}
        onClick={onClick}
        disabled={disabled}
        loading={loading}
      >
        {label}
      </Button>
    </Tooltip>
  );
}

