# ruff: noqa: E501  (dump lines are as long as the phone prints them)
"""Small command outputs in the AOSP formats, written for these tests.

No public dump of a real MIUI phone's ``dumpsys``/``settings`` exists (see the device fixtures'
README), so these samples follow the layouts printed by AOSP's PackageManagerService,
AccessibilityManagerService, DevicePolicyManagerService, ManagedServices (notification
listeners) and UserBackupManagerService, with package ids and values from the real device
fixtures (a HyperOS/MIUI phone).
"""

from __future__ import annotations

DUMPSYS_PACKAGE = """\
Activity Resolver Table:
  Non-Data Actions:
      android.intent.action.MAIN:
        5d1a2b3 com.miui.analytics/.AnalyticsActivity filter 9f8e7d6

Key Set Manager:
  [com.miui.analytics]
      Signing KeySets: 3

Packages:
  Package [com.miui.analytics] (4c2b1a0):
    userId=10145
    pkg=Package{8a7b6c5 com.miui.analytics}
    codePath=/system/app/AnalyticsCore
    resourcePath=/system/app/AnalyticsCore
    legacyNativeLibraryDir=/system/app/AnalyticsCore/lib
    primaryCpuAbi=arm64-v8a
    secondaryCpuAbi=null
    versionCode=2023061500 minSdk=26 targetSdk=30
    versionName=6.2.7
    splits=[base]
    apkSigningVersion=2
    applicationInfo=ApplicationInfo{1f2e3d4 com.miui.analytics}
    flags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION ]
    timeStamp=2009-01-01 08:00:00
    firstInstallTime=2009-01-01 08:00:00
    lastUpdateTime=2024-03-05 21:14:09
    installerPackageName=null
    signatures=PackageSignatures{7e6d5c4 version:2, signatures:[4f3e2d1c], past signatures:[]}
    installPermissionsFixed=true
    pkgFlags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    requested permissions:
      android.permission.INTERNET
      android.permission.ACCESS_NETWORK_STATE
      android.permission.READ_PHONE_STATE
      android.permission.ACCESS_FINE_LOCATION: restricted=true
    install permissions:
      android.permission.INTERNET: granted=true
      android.permission.ACCESS_NETWORK_STATE: granted=true
    User 0: ceDataInode=327681 installed=true hidden=false suspended=false distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false
      gids=[3003]
      runtime permissions:
        android.permission.READ_PHONE_STATE: granted=true, flags=[ GRANTED_BY_DEFAULT|USER_SENSITIVE_WHEN_GRANTED ]
        android.permission.ACCESS_FINE_LOCATION: granted=false, flags=[ USER_SENSITIVE_WHEN_GRANTED ]
    User 999: ceDataInode=0 installed=false hidden=false suspended=false distractionFlags=0 stopped=true notLaunched=true enabled=0 instant=false virtual=false
      runtime permissions:
        android.permission.ACCESS_FINE_LOCATION: granted=true, flags=[ ]
  Package [com.example.flashlight] (9a8b7c6):
    appId=10231
    pkg=Package{1a2b3c4 com.example.flashlight}
    codePath=/data/app/~~Xk3cQ1-bbDfK3aQw==/com.example.flashlight-Vb8qkA2n2E1w==
    versionCode=42 minSdk=24 targetSdk=34
    versionName=4.2 beta (build 42)
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]
    timeStamp=2024-05-01 10:11:12
    firstInstallTime=2024-05-01 10:11:13
    lastUpdateTime=2024-05-02 09:00:00
    installerPackageName=com.android.vending
    signatures=PackageSignatures{5b4a392 version:3, signatures:[a1b2c3d4], past signatures:[]}
    declared permissions:
      com.example.flashlight.permission.C2D_MESSAGE: prot=signature, INSTALLED
    usesStaticLibraries:
      com.google.android.trichromelibrary version:573115033
    requested permissions:
      android.permission.CAMERA
      android.permission.READ_CONTACTS
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: ceDataInode=411234 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=3 instant=false virtual=false
      runtime permissions:
        android.permission.CAMERA: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED ]
        android.permission.READ_CONTACTS: granted=true, flags=[ USER_SET ]
      disabledComponents:
        com.example.flashlight.versionCode=1

Hidden system packages:
  Package [com.miui.analytics] (0d1e2f3):
    userId=10145
    codePath=/system/app/AnalyticsCore
    versionCode=1 minSdk=26 targetSdk=30
    versionName=0.1

Shared users:
  SharedUser [android.uid.system] (2b3c4d5):
    userId=1000
"""

# Android 5 style: no runtime permissions, ``grantedPermissions:`` and ``pkgFlags`` only.
DUMPSYS_PACKAGE_LEGACY = """\
Packages:
  Package [com.miui.cleanmaster] (41c2a3b8):
    userId=10071 gids=[3003]
    pkg=Package{42a0b3c8 com.miui.cleanmaster}
    codePath=/system/priv-app/CleanMaster.apk
    versionCode=20150422 targetSdk=21
    versionName=5.2.1
    timeStamp=2015-04-22 12:00:00
    firstInstallTime=2015-04-22 12:00:00
    lastUpdateTime=2015-04-22 12:00:00
    signatures=PackageSignatures{42b3c4d5 [4e5f6a7b]}
    pkgFlags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]
    User 0:  installed=true hidden=false stopped=false notLaunched=false enabled=2
    grantedPermissions:
      android.permission.READ_PHONE_STATE
      android.permission.INTERNET
"""

ACCESSIBILITY = """\
ACCESSIBILITY MANAGER (dumpsys accessibility)

currentUserId=0
hasWindowMagnificationConnection=false
User state[
          attributes:{id=0, touchExplorationEnabled=false, serviceHandlesDoubleTap=false, requestMultiFingerGestures=false, displayMagnificationEnabled=false, autoclickEnabled=false, nonInteractiveUiTimeout=0, interactiveUiTimeout=0, installedServiceCount=3}
          shortcut key:{com.android.server.accessibility.MagnificationController}
          button:{}
          Bound services:{Service[label=Flashlight helper, feedbackType[FEEDBACK_GENERIC], capabilities=1, eventTypes=TYPES_ALL_MASK, notificationTimeout=100, requestA11yBtn=false]}
          Enabled services:{{com.example.flashlight/com.example.flashlight.KeepAliveService}, {com.google.android.marvin.talkback/com.google.android.accessibility.talkback.TalkBackService}}
          Binding services:{}
          Crashed services:{}
]
"""

DEVICE_POLICY = """\
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
    mIsWatch=false
  Enabled Device Admins (User 0, provisioningState: 0):
    com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver:
      uid=10087
      testOnlyAdmin=false
      policies:
        force-lock
        wipe-data
    com.example.flashlight/.AdminReceiver:
      uid=10231
      testOnlyAdmin=false
      policies:
        force-lock
  mPasswordOwner=-1
  Constants:
    DAS_DIED_SERVICE_RECONNECT_BACKOFF_SEC: 3600
"""

NOTIFICATION = """\
Current Notification Manager state:
  Notification List:
  mSoundNotificationKey=null
    Notification listeners:
    Allowed notification listeners:
      com.android.systemui/com.android.systemui.statusbar.NotificationListener (user: 0 isPrimary: true)
      com.example.flashlight/com.example.flashlight.NotifyReader (user: 0 isPrimary: true)
    All notification listeners (2) enabled for current profiles:
      ComponentInfo{com.android.systemui/com.android.systemui.statusbar.NotificationListener}
      ComponentInfo{com.example.flashlight/com.example.flashlight.NotifyReader}
    Live notification listeners (2):
      ComponentInfo{com.android.systemui/com.android.systemui.statusbar.NotificationListener} (user 0): android.service.notification.INotificationListener$Stub$Proxy@3c1d2e4 SYSTEM
      ComponentInfo{com.example.flashlight/com.example.flashlight.NotifyReader} (user 0): android.service.notification.INotificationListener$Stub$Proxy@5a6b7c8
    Snoozed notification listeners (0):
"""

BACKUP = """\
Backup Manager is enabled / setup complete / not pending init
Auto-restore is enabled
Last backup pass started: 1714557600000 (now = 1714561200000)
  next scheduled: 1714575600000
Transport whitelist:
    com.google.android.gms/.backup.BackupTransportService
    com.android.localtransport/.LocalTransport
Available transports:
    com.android.localtransport/.LocalTransport
       destination: Backing up to debug-only private cache
       intent: null
  * com.google.android.gms/.backup.BackupTransportService
       destination: owner@example.com
       intent: Intent { cmp=com.google.android.gms/.backup.SetBackupAccountActivity }
"""

SETTINGS_SECURE = """\
accessibility_enabled=1
android_id=8f2c4e6a1b3d5f70
backup_enabled=1
backup_transport=com.google.android.gms/.backup.BackupTransportService
bluetooth_address=A4:50:46:12:34:56
bluetooth_name=Redmi Note 13 Pro 5G
enabled_accessibility_services=com.example.flashlight/com.example.flashlight.KeepAliveService
enabled_notification_listeners=com.android.systemui/com.android.systemui.statusbar.NotificationListener:com.example.flashlight/com.example.flashlight.NotifyReader
install_non_market_apps=1
lock_screen_owner_info=Call Ana +34600111222
location_mode=3
selected_input_method_subtype=-1
sms_default_application=com.google.android.apps.messaging
"""

SETTINGS_GLOBAL = """\
adb_enabled=1
development_settings_enabled=1
device_name=Ana's Redmi
package_verifier_user_consent=1
wifi_scan_always_enabled=1
"""

SETTINGS_SYSTEM = """\
screen_brightness=102
miui_cloud_account=ana.lopez@example.com
screen_off_timeout=30000
"""

PS_A = """\
USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME
root             1     0 10899220  9876 do_epoll_wait       0 S init
root             2     0       0      0 kthreadd            0 S [kthreadd]
system        1234     1 15551234 123456 do_epoll_wait      0 S system_server
u0_a145       5678   789 14881234  98765 do_epoll_wait      0 S com.miui.analytics
u0_a231       6789   789 14881234  78901 do_epoll_wait      0 S com.example.flashlight:remote
"""

PS_TOOLBOX = """\
USER     PID   PPID  VSIZE  RSS     WCHAN    PC        NAME
root      1     0     8904   788   ffffffff 00000000 S /init
system    612   254   1638012 98756 ffffffff 00000000 S system_server
u0_a71    2310  254   1520344 45012 ffffffff 00000000 S com.miui.cleanmaster
"""

PROC_VERSION = (
    "Linux version 5.10.209-android12-9-00019-g3b1d3f4a5b6c-ab11612345 (build-user@build-host) "
    "(Android (8508608, based on r450784e) clang version 14.0.7) #1 SMP PREEMPT Fri Mar 1 12:00:00 UTC 2024\n"
)
